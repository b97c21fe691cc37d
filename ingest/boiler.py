"""Boilerplate that must never be quoted: editor lines, source lines, notices, page furniture.

Web pages and CMS exports append the same kinds of non-article text to every story: ``(完)``,
``责任编辑：X``, ``来源：X``, ``(原标题：…)``, copyright and reprint notices, investment
disclaimers, "share / read more" links and photo credits. They are cut out of *sentences*
(the raw file is never touched, so offsets still index it): a trailing run of such items is cut
off a sentence, a sentence that holds a notice is cut at the notice, and a sentence left with no
text is dropped. Patterns describe the conventions, not any one site's strings.
"""

from __future__ import annotations

import re

from .clean import Span

_B = r"[（(【\[〖]"  # an opening bracket
_E = r"[)）】\]〗]"  # a closing bracket
_X = r"[^（()）【】\[\]〖〗。！？]"  # any character inside one item
# A label starts an item only after a non-Han character or a photo credit (``张三/摄来源：X``),
# so ``资金来源：财政拨款`` stays whole.
_AT = r"(?:(?<![\u4e00-\u9fff])|(?<=摄))"
EDITOR = (
    r"(?:责任编辑|流程编辑|值班编辑|实习编辑|网络编辑|编辑|责编|校对|审核|审校|监制|主编|编审|统筹|"
    r"制图|美编|通讯员|记者|作者)"
)
# Items that end a story; a run of them at the end of a sentence is cut.
TAIL_ITEM = re.compile(
    "|".join(
        [
            rf"{_B}\s*完\s*{_E}",  # (完): the agency's end mark
            r"返回搜狐[，,]?\s*查看更多",
            rf"{_B}?\s*(?:责任编辑|流程编辑)\s*[：:]?{_X}{{0,24}}{_E}?",
            rf"(?:{_B}|{_AT})\s*{EDITOR}\s*[：:]{_X}{{0,24}}{_E}?",
            rf"{_B}[^（()）]{{0,10}}?{EDITOR}{_X}{{0,30}}{_E}",
            rf"(?:{_B}|{_AT})\s*(?:来源|稿源|出处|转自)\s*[：:]{_X}{{0,30}}{_E}?",
            rf"{_B}\s*原标题\s*[：:][^)）]{{0,100}}{_E}?",
            rf"{_B}[^（()）]{{0,24}}(?:供图|摄|提供|图片来[源自]{_X}*|资料图|截图|图源{_X}*){_E}",
            r"[^\s，。！？、()（）]{1,10}\s*/\s*摄",
            r"(?:分享让更多人看到|更多精彩内容[^。]{0,16}|点击(?:进入|查看|阅读)[^。]{0,20}|>>[^。]{0,30})",
            r"https?://[^\s，。]+",
            r"(?:编辑|责编|校对|审核|摄影|摄)\s*/\s*[\u4e00-\u9fff]{2,4}",
            r"《[^》]{2,12}》\s*[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*\d{1,2}\s*版\s*[)）]",
            r"(?:联系方式|邮箱地址|联系邮箱|投稿邮箱)\s*[：:]\s*[\w.\-]+@[\w.\-]+",
            r"[×|｜]",
        ]
    )
)
_TAIL = re.compile(rf"(?:{TAIL_ITEM.pattern})[\s，,；;、:：]*$")
# A remainder after a story's last full stop is page text: there a label needs no boundary
# (``记者 张三来源：X报``) and a bare byline (``X网记者 张三 报道``) is cut too.
_LOOSE = re.compile(
    rf"(?:{TAIL_ITEM.pattern.replace(_AT, '')}"
    r"|(?:[\u4e00-\u9fffA-Za-z]{0,10}(?:全媒体|本报|特约|实习|见习)?(?:记者|通讯员)\s*"
    r"[\u4e00-\u9fff·]{2,4}(?:[\s、]+[\u4e00-\u9fff·]{2,4})*\s*(?:报道|摄)?))[\s，,；;、:：]*$"
)
_CLOSED = re.compile(r"[。！？!?…][”’」』）)】》\"']*$")
# Notices: a sentence is cut where one begins.
NOTICE = re.compile(
    "|".join(
        [
            r"如[遇有][^。]{0,24}(?:版权|侵权)",
            r"未经[^。，]{0,20}(?:授权|许可|同意)[^。]{0,20}(?:转载|复制|摘编|使用|转发|镜像)",
            r"(?:转载|转发|引用)[^。，]{0,10}(?:请|须|需|务必)[^。]{0,10}(?:注明|联系|授权)",
            r"如(?:若|需|要)?转载",
            r"(?:版权|著作权)(?:所有|归|声明|属于|侵权)",
            r"本(?:文|网|站)(?:系|属于|为)?原创",
            r"(?:本文|文章|以上内容|此文)[^。]{0,16}(?:不构成|仅供参考|仅代表)",
            r"构成[^。]{0,6}投资建议",
            r"(?:投资|股市|入市|炒股)有风险",
            r"[{}][^。]{0,40}?[\w-]+\s*:\s*[^;{}]{1,40};",  # CSS or script text scraped with the page
            r"(?:[a-z-]+\s*:\s*[^;{}。]{1,30};\s*){2,}",
            r"仅供参考",
            r"(?:广告|免责|特别|版权)声明|版权作品|严禁[^。]{0,20}转载|转载此文",
            r"(?:疑问|质疑)[^。]{0,10}请?尽快与[^。]{0,10}联系",
            r"原标题",
            r"保留追究[^。]{0,10}法律责任",
            r"(?:转载|授权)(?:事宜|内容)?[^。，]{0,6}请?联系",
            r"本文为转载|(?:此文|本文)系?转载",
            r"知识产权[^。]{0,30}(?:所有|持有)|未经许可[^。]{0,10}禁止",
            r"本(?:网|站|平台)[^。]{0,12}(?:刊载|刊发|发布)[^。]{0,12}(?:内容|作品|稿件)",
            r"以上内容[^。]{0,20}(?:整理|生成)|由算法(?:自动)?生成",
            r"力求但?不保证|与本(?:站|网)立场无关|如(?:存在|有)问题请(?:与我们)?联系",
            r"来源[：:][^。，]{1,20}?(?:编辑|审核|监制|终审|责编|记者)[：:]",
            r"(?:编辑|责编)[：:][^。，]{1,12}?(?:审核|统筹|终审|编审|校对|监制)[：:]",
            r"文章均包含本声明",
        ]
    )
)
# Marks after which the rest of a paragraph is page furniture: the agency's end mark, "more
# stories" lists, a portal's return link.
END = re.compile(
    r"[（(]\s*完\s*[)）]|猜你喜欢|近期热门|热门推荐|推荐阅读|相关阅读|延伸阅读|阅读推荐|往期回顾"
    r"|[—\-]{1,3}\s*END\s*[—\-]{1,3}|返回搜狐"
)
MIN_KEEP = 15  # a sentence cut to fewer characters (that does not end a sentence) is dropped


# A photo credit glued before a sentence (``新华社记者 X 摄8月11日，…``) is cut off its start.
CREDIT = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,10}记者\s*[\u4e00-\u9fff·]{2,4}(?:[\s、，][\u4e00-\u9fff·]{2,4})*\s*摄"
    r"|[（(][^（()）]{0,20}(?:供图|摄)[)）])\s*"
)


def trim(span: Span) -> Span | None:
    """The sentence without trailing boilerplate, or None when nothing quotable is left."""
    return split_tail(span)[0]


def split_tail(span: Span) -> tuple[Span | None, Span, bool]:
    """``(what stays quotable or None, the boilerplate cut off its end, story ended)``.

    The story ended when the sentence holds an :data:`END` mark: what follows it in the
    paragraph is furniture too.
    """
    if (lead := CREDIT.match(span.text)) and lead.end() < len(span.text):
        span = span.slice(lead.end(), len(span.text))
    text = span.text
    stop = END.search(text)
    end = stop.start() if stop else len(text)
    if m := NOTICE.search(text):
        end = m.start()
        head = text[:end].rstrip(" ，,：:")
        if len(head) < MIN_KEEP and not re.search(r"[。！？]$", head):
            end = 0
    tail = _TAIL if _CLOSED.search(text[:end]) else _LOOSE
    while end and (m := tail.search(text, 0, end)):
        if m.start() == end:
            break
        end = m.start()
    out = span.slice(0, end).strip()
    cut = span.slice(end, len(text))
    return (out if any(ch.isalnum() for ch in out.text) else None), cut, bool(stop)


def is_boiler(text: str) -> bool:
    """A whole line that is boilerplate (never a headline or a sentence to quote)."""
    return trim(Span(text, tuple(range(len(text))))) is None
