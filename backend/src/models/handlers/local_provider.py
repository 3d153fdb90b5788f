"""The built-in ``local`` provider: a deterministic picture drawn from the prompt with Pillow.

No network and no key. ``make dev`` configures it when no model is configured, so a newcomer
sees the whole generate -> poll -> image flow work; every image is labelled as a local preview.
It honours the generation controls as a real model would, so the arena and the controls can be
tried locally: ``aspectRatio`` sets the picture's shape (about 512x512 pixels), ``seed`` and
``negativePrompt`` change the drawing (the same prompt, seed and negative prompt draw the same
picture) and the negative prompt is printed on it.
"""

from __future__ import annotations

import hashlib
import io

from models.handlers.common import size_for_ratio
from models.types import GeneratedImage, GenerationParams, ModelConfig

SIZE = 512


def _palette(seed: bytes) -> list[tuple[int, int, int]]:
    return [(seed[i], seed[i + 1], seed[i + 2]) for i in range(0, 12, 3)]


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    from PIL import Image, ImageDraw

    width, height = size_for_ratio(params.aspect_ratio or "1:1", SIZE * SIZE, 16)
    negative = params.negative_prompt or ""
    recipe = f"{model.name}\n{prompt}\n{params.seed}\n{negative}"
    seed = hashlib.sha256(recipe.encode()).digest()
    top, bottom, accent, ink = _palette(seed)
    image = Image.new("RGB", (width, height), top)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)),
        )
    for i in range(12, 30, 3):
        x, y = seed[i] * width // 256, seed[i + 1] * (height - 56) // 256
        r = 20 + seed[i + 2] // 3
        draw.ellipse([x - r, y - r, x + r, y + r], outline=accent, width=4)
    band = 76 if negative else 56
    draw.rectangle([0, height - band, width, height], fill=(0, 0, 0))
    draw.text((12, height - band + 8), "LOCAL PREVIEW - not an AI image", fill=(255, 255, 255))
    draw.text((12, height - band + 28), prompt[:70], fill=ink)
    if negative:
        draw.text((12, height - 28), f"without: {negative[:60]}", fill=(200, 200, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return GeneratedImage(buffer.getvalue(), "image/png").with_applied(
        aspectRatio=params.aspect_ratio,
        size=f"{width}x{height}" if params.aspect_ratio else None,
        seed=params.seed,
        negativePrompt=params.negative_prompt,
    )


def write_text(model: ModelConfig, instruction: str, timeout: float) -> str:
    """A fixed, offline rewrite so /enhance works locally; it says what it is."""
    prompt = instruction.split('"')[1] if instruction.count('"') >= 2 else instruction
    return (
        f"{prompt}, richly detailed scene, dramatic natural lighting, balanced composition, "
        "vivid colour palette, fine textures, sharp focus, atmospheric depth "
        "(local preview enhancement: configure a text-capable model for real rewrites)"
    )
