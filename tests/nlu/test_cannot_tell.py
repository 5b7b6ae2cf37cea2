"""说不清 is first of all "I can't tell": only speech that is unclear is slurred speech.

Two newcomers, answering a question with "说不清，家里体温计坏了，摸着挺烫的" or "这个说不清", were told to
call 120 for a stroke (the grammar read 说 + 不清 as a speech part and its finding). The bare phrase is
blocked; unclear speech keeps every form that names the speech (说话说不清, 说不清话, 话都说不清, 讲话讲不清楚).
"""
from __future__ import annotations

import pytest

from tests.nlu.classes import check, present

NOT_SPEECH = ["说不清，家里体温计坏了，摸着挺烫的", "这个我真说不清", "说不清楚，反正就是难受", "讲不清，你们医生看吧",
              "具体几点开始的也说不太清"]
SPEECH = ["我爷爷突然说话说不清了", "外婆早上起来说不清话", "我妈嘴角歪了，连话都说不清", "老公讲话讲不清楚，右手没劲",
          "姑姑讲不清话了，手也抬不起来", "他话也说不清楚了"]


@pytest.mark.parametrize("text", NOT_SPEECH)
def test_cannot_tell_is_not_slurred_speech(interpreter, text):
    check(interpreter, text, "slurred_speech", False)


@pytest.mark.parametrize("text", SPEECH)
def test_unclear_speech_is_still_slurred_speech(interpreter, text):
    check(interpreter, text, "slurred_speech", True)


def test_the_temperature_felt_still_reads_as_fever(interpreter):
    assert "fever" in present(interpreter, "说不清，家里体温计坏了，摸着挺烫的")
