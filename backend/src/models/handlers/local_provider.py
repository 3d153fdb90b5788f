"""The built-in ``local`` provider: a deterministic picture drawn from the prompt with Pillow.

No network and no key. ``make dev`` configures it when no model is configured, so a newcomer
sees the whole generate -> poll -> image flow work; every image is labelled as a local preview.
"""

from __future__ import annotations

import hashlib
import io

from models.types import GeneratedImage, GenerationParams, ModelConfig

SIZE = 512


def _palette(seed: bytes) -> list[tuple[int, int, int]]:
    return [(seed[i], seed[i + 1], seed[i + 2]) for i in range(0, 12, 3)]


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    from PIL import Image, ImageDraw

    seed = hashlib.sha256(f"{model.name}\n{prompt}".encode()).digest()
    top, bottom, accent, ink = _palette(seed)
    image = Image.new("RGB", (SIZE, SIZE), top)
    draw = ImageDraw.Draw(image)
    for y in range(SIZE):
        mix = y / (SIZE - 1)
        draw.line(
            [(0, y), (SIZE, y)],
            fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    for i in range(12, 30, 3):
        x, y, r = seed[i] * 2, seed[i + 1] * 2, 20 + seed[i + 2] // 3
        draw.ellipse([x - r, y - r, x + r, y + r], outline=accent, width=4)
    draw.rectangle([0, SIZE - 56, SIZE, SIZE], fill=(0, 0, 0))
    draw.text((12, SIZE - 48), "LOCAL PREVIEW - not an AI image", fill=(255, 255, 255))
    draw.text((12, SIZE - 28), prompt[:70], fill=ink)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return GeneratedImage(buffer.getvalue(), "image/png")


def write_text(model: ModelConfig, instruction: str, timeout: float) -> str:
    """A fixed, offline rewrite so /enhance works locally; it says what it is."""
    prompt = instruction.split('"')[1] if instruction.count('"') >= 2 else instruction
    return (
        f"{prompt}, richly detailed scene, dramatic natural lighting, balanced composition, "
        "vivid colour palette, fine textures, sharp focus, atmospheric depth "
        "(local preview enhancement: configure a text-capable model for real rewrites)"
    )
