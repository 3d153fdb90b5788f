"""The built-in local preview provider: offline, deterministic, and labelled as a preview."""

from __future__ import annotations

from models.handlers import get_handler, get_text_handler
from models.types import GenerationParams, ModelConfig

MODEL = ModelConfig(index=1, name="Local Preview", provider="local", model_id="local")


def test_the_same_prompt_draws_the_same_picture_and_another_prompt_another():
    draw = get_handler("local")
    first = draw(MODEL, "a red kite", GenerationParams())
    again = draw(MODEL, "a red kite", GenerationParams())
    other = draw(MODEL, "a blue whale", GenerationParams())
    assert first.media_type == "image/png"
    assert first.data == again.data
    assert first.data != other.data


def test_the_local_rewrite_keeps_the_prompt_and_says_it_is_local():
    text = get_text_handler("local")(MODEL, 'Expand this:\n\n"fox"\n\nOnly the prompt.', 5)
    assert text.startswith("fox,") and "local preview" in text
