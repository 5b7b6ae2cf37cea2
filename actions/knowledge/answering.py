"""The actions that answer health questions from the knowledge base, and the free-question interceptor.

`answer_question` serves the best reviewed, unexpired article as a short excerpt with its title
and source, or says honestly that nothing fits and offers a doctor. Red flags never reach here:
the safety screen (an interceptor with a lower priority) has already sent the patient to 120.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from bot.action_api import ActionContext, action, interceptor
from bot.broadcasts import HOSPITAL_TZ, Settings
from bot.flow_runner import ANSWER_INTENTS, DEFERRED_QUESTION
from bot.messages import BotMessage, Button

from actions.knowledge.articles import Article
from actions.knowledge.combinations import load_combinations, load_pregnancy_article
from actions.knowledge.retrieval import Answer, KnowledgeBase, Thresholds
from actions.knowledge.single_medicine import answer_single_medicine

from bot.config import Config

if TYPE_CHECKING:
    from bot.runtime import Runtime

# Runs after the safety screen (10) and the live-session relay (20).
FREE_QUESTION_PRIORITY = 60
ARTICLE_SLOT = "kb_article"

_BASES: dict[tuple[Path, Path | None, Thresholds], KnowledgeBase] = {}


def today() -> dt.date:
    """Expiry dates are the hospital's calendar dates."""
    return dt.datetime.now(HOSPITAL_TZ).date()


def knowledge_settings(config: Config) -> tuple[Path, Path | None, Thresholds]:
    """The `knowledge:` section of config.yml: the folder, the lexicon folder, the thresholds."""
    lexicon = config.get("knowledge.lexicon_dir", "nlu/lexicon")
    defaults = Thresholds()
    return (
        config.resolve(config.get("knowledge.dir", "content/kb")),
        config.resolve(lexicon) if lexicon else None,
        Thresholds(
            min_score=float(config.get("knowledge.min_score", defaults.min_score)),
            min_coverage=float(config.get("knowledge.min_coverage", defaults.min_coverage)),
        ),
    )


def build_knowledge_base(config: Config) -> KnowledgeBase:
    """The service factory: the configured knowledge base, loaded once per process and folder
    (building the index takes about a second; every runtime of a test run shares it)."""
    key = knowledge_settings(config)
    if key not in _BASES:
        _BASES[key] = KnowledgeBase.load(*key)
    return _BASES[key]


def knowledge_base(runtime: "Runtime") -> KnowledgeBase:
    """The runtime's knowledge base (for the edges that hold a runtime: commands, campaigns)."""
    return runtime.services.get(KnowledgeBase)


def _read_button(ctx: ActionContext, key: str, article: Article) -> Button:
    payload = "/read_article" + json.dumps({ARTICLE_SLOT: article.id})
    return Button(ctx.text(key, title=article.title), payload)


def _send_answer(ctx: ActionContext, answer: Answer) -> None:
    article = answer.article
    complete = answer.excerpt == "\n\n".join(article.paragraphs())
    buttons = [] if complete else [_read_button(ctx, "utter_kb_button_full", article)]
    buttons += [_read_button(ctx, "utter_kb_button_related", a) for a in answer.related[:2]]
    buttons.append(Button(ctx.text("utter_kb_button_doctor"), "/request_doctor"))
    text = ctx.text("utter_kb_answer", title=article.title, excerpt=answer.excerpt, source=article.source)
    ctx.send(BotMessage(text=text, buttons=tuple(buttons)))
    ctx.emit(
        "knowledge_answer",
        {"article": article.id, "score": round(answer.score, 3), "coverage": round(answer.coverage, 3)},
    )


def _audiences(ctx: ActionContext, settings: Settings) -> frozenset[str]:
    """The groups this patient belongs to by what the conversation knows (the broadcast audiences'
    conditions in config.yml, evaluated over the slots)."""
    return frozenset(name for name, condition in settings.audiences.items() if condition.evaluate(ctx.slots))


def _combination(ctx: ActionContext, question: str, kb: KnowledgeBase, settings: Settings) -> bool:
    """Two medicines asked about together: the cited general information, a reviewed article that speaks of
    both, or an honest "cannot judge"."""
    combinations = load_combinations()
    found = combinations.asks(question.lower())
    if found is None:
        return False
    first, second, pair = found
    if (combinations.pregnancy is not None and "pregnant" in _audiences(ctx, settings)
            and (first.classes | second.classes) & combinations.pregnancy.same_class):
        pair = combinations.pregnancy  # never "ibuprofen is fine" to a pregnant woman
    shared = combinations.shared(first, second) if pair is None else []
    doctor = (Button(ctx.text("utter_kb_button_doctor"), "/request_doctor"),)
    if shared:
        # Session seven (talk7a): two products sharing an active ingredient (感冒灵 + 泰诺: acetaminophen), named plainly,
        # with the label's daily limits (content/interactions/combinations.yml `ingredients`).
        ctx.send(BotMessage(text=ctx.text(
            "utter_combination_shared", first=first.word, second=second.word,
            ingredients="、".join(i.name for i in shared),
            harm="；".join(i.harm for i in shared if i.harm) or "容易出不良反应",
            doses="\n".join(i.dose for i in shared if i.dose),
            source="；".join(dict.fromkeys(i.source for i in shared if i.source))),
            buttons=(*doctor, Button(ctx.text("utter_kb_button_call_120"), "/call_120"))))
        ctx.emit("knowledge_answer", {"article": None, "combination": "shared_ingredient",
                                      "ingredients": [i.code for i in shared]})
        return True
    if pair is None:
        answer = kb.answer(question, today(), _audiences(ctx, settings))
        body = f"{answer.article.title}\n{answer.article.body}" if answer is not None else ""
        if answer is not None and combinations.spoken_of(first, body) and combinations.spoken_of(second, body):
            return False  # a reviewed article speaks of both (布洛芬和对乙酰氨基酚能一起吃吗)
    if pair is None:
        # Both compositions known and none shared: said so (session seven); a product of unknown composition: no judgement.
        key = "utter_combination_no_shared" if first.ingredients and second.ingredients else "utter_combination_unknown"
        ctx.send(BotMessage(text=ctx.text(key, first=first.word, second=second.word), buttons=doctor))
    else:
        ctx.send(BotMessage(text=ctx.text("utter_combination_answer", first=first.word, second=second.word,
                                          answer=pair.text, source=pair.source), buttons=doctor))
    ctx.emit("knowledge_answer", {"article": None, "combination": pair.id if pair else None})
    return True


def _pregnancy_medicine(ctx: ActionContext, question: str, kb: KnowledgeBase, settings: Settings) -> Answer | None:
    """A known pregnancy asking what she may take ("能吃什么药", "能不能吃感冒灵"): the reviewed pregnancy-medication
    article, whatever else the question names (newcomer trial 8; content/interactions/combinations.yml `pregnancy`)."""
    raw = load_pregnancy_article()
    if raw is None or "pregnant" not in _audiences(ctx, settings) or not re.search(raw[1], question):
        return None
    article = kb.get(raw[0])
    if article is None or not article.servable(today()):
        return None
    return Answer(article, kb.excerpt(article, ""), 1.0, 1.0)


def _question(ctx: ActionContext) -> str:
    """The typed question; empty for a button tap (a payload, typed `/intent` or a button's number)."""
    if ctx.message is None or ctx.message.payload:
        return ""
    text = ctx.message.text.strip()
    return "" if text.startswith("/") or text.isdigit() else text


@action("answer_question")
async def answer_question(ctx: ActionContext, kb: KnowledgeBase, settings: Settings) -> None:
    """Answer the patient's question from the knowledge base, or say that it has no answer.

    A menu tap carries no question: the bot lists the topic's most asked articles instead.
    """
    question = _question(ctx)
    if not question.strip():
        intent = ctx.parse.intent.name if ctx.parse is not None else ""
        buttons = [_read_button(ctx, "utter_kb_button_topic", a) for a in kb.topics(intent, today())]
        buttons.append(Button(ctx.text("utter_kb_button_doctor"), "/request_doctor"))
        ctx.send(BotMessage(text=ctx.text("utter_kb_topics"), buttons=tuple(buttons)))
        return
    if _combination(ctx, question, kb, settings):
        return
    answer = _pregnancy_medicine(ctx, question, kb, settings)
    if answer is None and answer_single_medicine(ctx, question):
        return  # session seven: one medicine asked about is answered about that medicine
    answer = answer or kb.answer(question, today(), _audiences(ctx, settings))
    if answer is None:
        # Newcomer trial 3: a medicine question beside the symptoms ("感冒了 流鼻涕 …吃点什么药好") is answered on
        # top of the intake it started: a short bridge into its questions, not "the knowledge base has no answer".
        below = ctx.state.stack[:-1] if ctx.state.stack else []
        ctx.utter("utter_kb_no_answer_intake" if below else "utter_kb_no_answer")
        ctx.emit("knowledge_answer", {"article": None})
        return
    _send_answer(ctx, answer)


@action("answer_deferred_question")
async def answer_deferred_question(ctx: ActionContext, kb: KnowledgeBase, settings: Settings) -> None:
    """Round 14 of issue 10 (tri17): the medicine question asked inside an answer ("头疼，要不要吃布洛芬啊"), kept by the
    dialogue (bot/flow_runner.py `_defer_medicine_question`), is answered after the outcome, once."""
    question = str(ctx.slot(DEFERRED_QUESTION) or "").strip()
    if not question:
        return
    ctx.set_slot(DEFERRED_QUESTION, None)
    ctx.utter("utter_deferred_question_intro")
    if _combination(ctx, question, kb, settings):
        return
    answer = _pregnancy_medicine(ctx, question, kb, settings)
    if answer is None and answer_single_medicine(ctx, question):
        return
    answer = answer or kb.answer(question, today(), _audiences(ctx, settings))
    if answer is None:
        ctx.utter("utter_kb_no_answer")
        ctx.emit("knowledge_answer", {"article": None, "deferred": True})
        return
    _send_answer(ctx, answer)


@action("answer_question_if_confident")
async def answer_question_if_confident(ctx: ActionContext, kb: KnowledgeBase, settings: Settings) -> None:
    """For flows that give their own answer (when to go to hospital, home care): add the reviewed
    article when a typed question matches one confidently; say nothing otherwise."""
    _answer_if_confident(ctx, kb, settings)


def _answer_if_confident(ctx: ActionContext, kb: KnowledgeBase, settings: Settings) -> bool:
    question = _question(ctx)
    if not question.strip():
        return False
    if _combination(ctx, question, kb, settings):
        return True
    answer = _pregnancy_medicine(ctx, question, kb, settings)
    if answer is None and answer_single_medicine(ctx, question):
        return True
    answer = answer or kb.answer(question, today(), _audiences(ctx, settings))
    if answer is None:
        return False
    _send_answer(ctx, answer)
    return True


@action("show_article")
async def show_article(ctx: ActionContext, kb: KnowledgeBase, settings: Settings) -> None:
    """Send a whole article (the patient tapped "看全文" or a related article)."""
    article = kb.get(str(ctx.slot(ARTICLE_SLOT, "")))
    if article is not None:
        article = kb.for_audiences(article, _audiences(ctx, settings))
    if article is None or not article.servable(today()):
        ctx.utter("utter_kb_article_unavailable")
        return
    ctx.utter(
        "utter_kb_article",
        title=article.title,
        body="\n\n".join(article.paragraphs()),
        source=article.source,
        reviewed_by=article.reviewed_by,
        review_date=article.review_date.isoformat(),
    )
    ctx.emit("knowledge_article", {"article": article.id})


@interceptor("knowledge_free_question", FREE_QUESTION_PRIORITY)
async def free_question(ctx: ActionContext, kb: KnowledgeBase, settings: Settings) -> bool:
    """A typed question the dialogue would not take up is answered when the knowledge base is confident.

    That is a message whose intent starts no flow (out_of_scope, or an answer-like intent such as
    a misread 对 = affirm) while no flow waits for an answer; without a confident answer the
    dialogue's own fallback runs.
    """
    if ctx.parse is None or ctx.parse.intent.name not in ANSWER_INTENTS:
        return False
    if ctx.state.stack and ctx.state.stack[-1].waiting_for:
        return False
    return _answer_if_confident(ctx, kb, settings)
