"""The page's stylesheet and its one script (chips, per-answer sources, copy, Chinese locale).

The script only reads the page's own markup (``data-k``/``data-n`` set by
:mod:`chat.ui_render`) and never inserts document text as HTML.
"""

CSS = """
footer {display: none !important}
#chat .rag-short {font-size: 1.12em; margin-bottom: 4px}
#chat .rag-line {margin: 2px 0; line-height: 1.75}
#chat .rag-meta {margin-top: 6px; font-size: .8em; color: #777}
#chat .rag-tools {margin-top: 4px}
.rag-copy {font-size: .8em; color: #2563eb; cursor: pointer; text-decoration: underline}
.rag-chip {position: relative; display: inline-block; min-width: 1.4em; padding: 0 .35em;
  margin: 0 1px; border-radius: 9px; background: #dbeafe; color: #1d4ed8; font-size: .78em;
  line-height: 1.5; text-align: center; cursor: pointer; vertical-align: super}
.rag-chip .rag-pop {display: none; position: absolute; z-index: 50; left: 50%;
  transform: translateX(-50%); bottom: 1.8em; width: min(320px, 80vw); padding: 8px 10px;
  background: #fff; color: #222; border: 1px solid #cbd5e1; border-radius: 8px;
  box-shadow: 0 4px 14px rgba(0,0,0,.15); font-size: 13px; line-height: 1.6; text-align: left;
  white-space: normal; cursor: auto}
.rag-chip:focus-visible .rag-pop, .rag-chip.rag-open .rag-pop {display: block}
@media (hover: hover) { .rag-chip:hover .rag-pop {display: block} }
.rag-pop-q, .rag-pop-t {display: block}
.rag-pop-t {margin-top: 4px; color: #555; font-size: 12px}
#chat .rag-ans.rag-sel {outline: 2px solid #93c5fd; outline-offset: 4px; border-radius: 4px}
#sources .rag-srcs {display: none}
#sources .rag-srcs:last-of-type {display: block}
#sources .rag-srcs.rag-off {display: none}
#sources .rag-srcs.rag-on {display: block}
#sources h3 {margin: 0 0 4px; font-size: 1em}
.rag-q {color: #555; font-size: .85em; margin-bottom: 6px; overflow-wrap: anywhere}
.rag-card {border: 1px solid #e2e8f0; border-radius: 8px; padding: 8px 12px; margin: 8px 0;
  overflow-wrap: anywhere; transition: background .6s}
.rag-card.rag-flash {background: #fef9c3; border-color: #facc15}
.rag-card-h {font-weight: 600}
.rag-n {display: inline-block; min-width: 1.4em; margin-right: 4px; border-radius: 9px;
  background: #dbeafe; color: #1d4ed8; font-size: .8em; text-align: center}
.rag-card-m {font-size: .85em; color: #444}
.rag-file {font-size: .8em; color: #888}
.rag-passage {margin-top: 6px; line-height: 1.7; white-space: pre-wrap}
.rag-copies {margin-top: 4px; font-size: .8em; color: #666}
.rag-full summary {cursor: pointer; color: #2563eb; font-size: .85em; margin-top: 4px}
.rag-chips-row .rag-fchip {display: inline-block; margin: 2px 4px 2px 0; padding: 0 8px;
  border-radius: 10px; background: #f1f5f9; font-size: .85em}
.rag-table {border-collapse: collapse; width: 100%; min-width: 560px; font-size: .9em}
.rag-table th, .rag-table td {padding: 4px 8px; border: 0; border-bottom: 1px solid #e5e7eb;
  text-align: left; vertical-align: top}
.rag-count {margin: 4px 0; color: #555}
#side {max-height: 85vh; overflow-y: auto}
@media (max-width: 700px) { #side {max-height: none} }
body, .gradio-container {overflow-x: hidden}
"""

# the page's one script (the locale is set earlier, see chat.ui_locale)
HEAD = """
<script>
(function () {
  function num(el, key) {  // rag-k-3 → "3" (the chat's sanitizer keeps classes, not data-*)
    const p = 'rag-' + key + '-';
    const c = [...el.classList].find((x) => x.startsWith(p));
    return c ? c.slice(p.length) : null;
  }
  function show(k) {
    let sec = null;
    document.querySelectorAll('#sources .rag-srcs').forEach((s) => {
      const on = s.dataset.k === String(k);
      s.classList.toggle('rag-on', on);
      s.classList.toggle('rag-off', !on);
      if (on) sec = s;
    });
    document.querySelectorAll('#chat .rag-ans').forEach(
      (a) => a.classList.toggle('rag-sel', num(a, 'k') === String(k)));
    return sec;
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    const t = document.createElement('textarea');
    t.value = text; document.body.appendChild(t); t.select();
    document.execCommand('copy'); t.remove();
  }
  // Gradio's icon buttons carry English tooltips whatever the locale: say them in Chinese
  const NAMES = {Like: '赞', Dislike: '踩', Clear: '清空对话', Copy: '复制',
    'Copy message': '复制', Retry: '重试', Undo: '撤销', Edit: '编辑', Remove: '移除',
    Download: '下载', Share: '分享', 'More tabs': '更多',
    'chatbot conversation': '对话', Fullscreen: '全屏', 'Exit fullscreen mode': '退出全屏'};
  function rename(root) {
    root.querySelectorAll('[title], [aria-label]').forEach((el) => {
      for (const attr of ['title', 'aria-label']) {
        const v = el.getAttribute(attr);
        if (v && NAMES[v]) el.setAttribute(attr, NAMES[v]);
      }
    });
  }
  // toast headers are the message type, capitalised, never translated
  const TOASTS = {Warning: '提示', Info: '提示', Success: '完成', Error: '出错了'};
  function retitle(root) {
    root.querySelectorAll('.toast-title').forEach((t) => t.childNodes.forEach((n) => {
      const v = n.nodeType === 3 ? n.nodeValue.trim() : '';
      if (TOASTS[v]) n.nodeValue = TOASTS[v] + ' ';
    }));
  }
  new MutationObserver(() => { rename(document); retitle(document); }).observe(
    document.documentElement, {subtree: true, childList: true, characterData: true});
  // the popover is placed in the viewport (fixed), above the chip when there is room, so the
  // chat's scroll box never clips it
  function place(chip) {
    const pop = chip.querySelector('.rag-pop');
    if (!pop) return;
    const r = chip.getBoundingClientRect();
    const w = Math.min(320, innerWidth - 16);
    pop.style.position = 'fixed';
    pop.style.width = w + 'px';
    pop.style.transform = 'none';
    pop.style.bottom = 'auto';
    pop.style.left = Math.max(8, Math.min(r.left + r.width / 2 - w / 2, innerWidth - w - 8)) + 'px';
    const h = pop.offsetHeight || 120;
    pop.style.top = (r.top - h - 6 >= 0 ? r.top - h - 6 : r.bottom + 6) + 'px';
  }
  document.addEventListener('mouseover', (e) => {
    const chip = e.target.closest && e.target.closest('.rag-chip');
    if (chip && !e.target.closest('.rag-pop')) place(chip);
  });
  function toCard(chip) {
    const sec = show(num(chip, 'k'));
    const card = sec && sec.querySelector('.rag-card[data-n="' + num(chip, 'n') + '"]');
    if (!card) return;
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
    card.classList.remove('rag-flash'); void card.offsetWidth;
    card.classList.add('rag-flash');
    setTimeout(() => card.classList.remove('rag-flash'), 2500);
  }
  // without hover (a phone), the first tap shows the quote and a tap on it goes to the card;
  // with a mouse, hovering shows the quote and a click goes to the card
  const touch = matchMedia('(hover: none)').matches;
  function closePops(keep) {
    document.querySelectorAll('.rag-chip.rag-open').forEach(
      (c) => { if (c !== keep) c.classList.remove('rag-open'); });
  }
  document.addEventListener('scroll', () => closePops(null), true);
  document.addEventListener('click', (e) => {
    const chip = e.target.closest('.rag-chip');
    closePops(chip);
    if (chip) {
      if (touch && !e.target.closest('.rag-pop') && !chip.classList.contains('rag-open')) {
        chip.classList.add('rag-open');
        place(chip);
        return;
      }
      chip.classList.remove('rag-open');
      toCard(chip);
      return;
    }
    const btn = e.target.closest('.rag-copy');
    if (btn) {
      const sec = document.querySelector('#sources .rag-srcs[data-k="' + num(btn, 'k') + '"]');
      const plain = sec && sec.querySelector('.rag-plain');
      if (plain) { copy(plain.value); btn.textContent = '已复制'; }
      return;
    }
    const ans = e.target.closest('#chat .rag-ans');
    if (ans) show(num(ans, 'k'));
  }, true);
})();
</script>
"""
