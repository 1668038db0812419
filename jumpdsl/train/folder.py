"""``folder:DIR``: images in a folder per class, ``DIR/train/<class>/*`` and ``DIR/val/<class>/*``
(the ImageNet layout). Classes are the subfolders of ``train/`` sorted by name (label 0 is the
first); ``val/`` is the test split and may lack a class but not add one. Each image (png, jpg,
jpeg, bmp, gif, webp) is converted to the network's channels (1: greyscale, 3: RGB) and resized
to its input height × width (bilinear, aspect ratio not kept), so a folder of mixed sizes
trains; all images are held in memory as uint8. Needs Pillow (the [train] extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jumpdsl.train.dataset import DataError, Dataset, Split

__all__ = ["IMAGE_SUFFIXES", "load_folder"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
MODES = {1: "L", 3: "RGB"}  # the network's input channels → Pillow's mode


def load_folder(folder: str, shape: tuple[int, ...]) -> Dataset:
    """The images under ``folder``'s train/ and val/, shaped as the network's ``shape``."""
    if not folder:
        raise DataError("folder needs a folder: --data folder:DIR (with DIR/train and DIR/val)")
    root = Path(folder)
    for part in ("train", "val"):
        if not (root / part).is_dir():
            raise DataError(f"folder: {root / part} is missing (a subfolder per class in it)")
    if len(shape) != 3 or shape[0] not in MODES:
        have = "×".join(map(str, shape))
        raise DataError(
            f"folder: images need a network input of 1 or 3 channels × H × W, not {have}"
        )
    names = sorted(p.name for p in (root / "train").iterdir() if p.is_dir())
    if not names:
        raise DataError(f"folder: {root / 'train'} has no class subfolders")
    train, resized = _read_split(root / "train", names, shape)
    test, resized_test = _read_split(root / "val", names, shape)
    size = f"{shape[1]}×{shape[2]}"
    how = f"{resized + resized_test} resized to {size}" if resized + resized_test else f"all {size}"
    note = (
        f"folder {folder}: {len(train)} training and {len(test)} validation images in "
        f"{len(names)} classes ({', '.join(names)}), {how}"
    )
    return Dataset(
        "folder", train, test, len(names), 255.0, "crop+flip", note=note, labels=tuple(names)
    )


def _read_split(part: Path, names: list[str], shape: tuple[int, ...]) -> tuple[Split, int]:
    """The images of train/ or val/, and how many of them were resized."""
    extra = sorted(p.name for p in part.iterdir() if p.is_dir() and p.name not in names)
    if extra:
        raise DataError(f"folder: {part} has classes that train/ has not: {', '.join(extra)}")
    files = [
        (label, path)
        for label, name in enumerate(names)
        if (part / name).is_dir()
        for path in sorted((part / name).iterdir())
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not files:
        raise DataError(f"folder: no images ({', '.join(IMAGE_SUFFIXES)}) under {part}")
    read = [_read_image(path, shape) for _, path in files]
    x = np.stack([pixels for pixels, _ in read])
    resized = sum(was for _, was in read)
    return Split(x, np.array([label for label, _ in files], dtype=np.int64)), resized


def _read_image(path: Path, shape: tuple[int, ...]) -> tuple[np.ndarray, bool]:
    """The image as C×H×W uint8, and whether it had to be resized."""
    from PIL import Image

    channels, height, width = shape
    try:
        with Image.open(path) as image:
            image = image.convert(MODES[channels])
            resized = image.size != (width, height)
            if resized:
                image = image.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.uint8)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"folder: cannot read {path}: {exc}") from None
    return (pixels[None] if channels == 1 else pixels.transpose(2, 0, 1)), resized
