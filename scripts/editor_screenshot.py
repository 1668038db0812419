"""A screenshot of a real editor talking to ``jumpdsl lsp``: Neovim (0.7 or newer, its built-in
LSP client) in a tmux session, headless; the hover on the ``JumpGroup`` call of
specs/jumpnet.jnet; the screen as tmux holds it (colours included) drawn to a PNG.

    apt-get install neovim tmux
    python scripts/editor_screenshot.py docs/images/editor-hover.png
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SPEC = "specs/jumpnet.jnet"
SIZE = (110, 46)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

INIT = """
vim.o.termguicolors = true
vim.o.number = true
vim.o.updatetime = 300
vim.cmd('syntax on')
vim.cmd('colorscheme default')
vim.o.background = 'light'
vim.lsp.handlers['textDocument/hover'] = vim.lsp.with(vim.lsp.handlers.hover, {border = 'rounded'})
vim.cmd('hi NormalFloat guibg=#f4f4f8 | hi FloatBorder guifg=#888888 guibg=#f4f4f8')
vim.api.nvim_create_autocmd({'BufRead', 'BufNewFile'}, {pattern = '*.jnet', callback = function()
  vim.bo.filetype = 'jnet'
  vim.cmd([[syntax keyword jnetKeyword network block group use input defaults stem learner task
    \\ repeat skip jump branch from for in if else let as and or not]])
  vim.cmd([[syntax match jnetNumber /\\<[0-9]\\+\\(x[0-9]\\+\\)\\?\\>/]])
  vim.cmd([[syntax match jnetComment /#.*$/]])
  vim.cmd([[syntax region jnetString start=/"/ end=/"/ oneline]])
  vim.cmd('hi def link jnetKeyword Statement | hi def link jnetNumber Number')
  vim.cmd('hi def link jnetComment Comment | hi def link jnetString String')
  local client = vim.lsp.start_client({name = 'jumpdsl', cmd = {PYTHON, '-m', 'jumpdsl', 'lsp'},
    root_dir = ROOT})
  vim.lsp.buf_attach_client(0, client)
end})
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def capture(session: str) -> str:
    return tmux("capture-pane", "-t", session, "-e", "-p")


PALETTE = [
    (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]  # fmt: skip


def _color256(n: int) -> tuple[int, int, int]:
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    grey = 8 + 10 * (n - 232)
    return (grey, grey, grey)


def render(screen: str, out: Path) -> None:
    """Draw tmux's screen (SGR colour codes kept) as a PNG."""
    font = ImageFont.truetype(FONT, 15)
    bold_font = ImageFont.truetype(FONT.replace("Mono.ttf", "Mono-Bold.ttf"), 15)
    width, height = 9, 19
    cols, rows = SIZE
    image = Image.new("RGB", (cols * width + 16, rows * height + 16), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    default_fg, default_bg = (0, 0, 0), (255, 255, 255)
    fg, bg, bold, reverse = default_fg, default_bg, False, False  # tmux carries them over lines
    for row, line in enumerate(screen.split("\n")[:rows]):
        col = 0
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            if part.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
                index = 0
                while index < len(codes):
                    code = codes[index]
                    if code == 0:
                        fg, bg, bold, reverse = default_fg, default_bg, False, False
                    elif code == 1:
                        bold = True
                    elif code == 7:
                        reverse = True
                    elif code in (22,):
                        bold = False
                    elif code == 27:
                        reverse = False
                    elif 30 <= code <= 37 or 90 <= code <= 97:
                        fg = PALETTE[code - 30 if code < 90 else code - 82]
                    elif 40 <= code <= 47 or 100 <= code <= 107:
                        bg = PALETTE[code - 40 if code < 100 else code - 92]
                    elif code == 39:
                        fg = default_fg
                    elif code == 49:
                        bg = default_bg
                    elif code in (38, 48) and index + 1 < len(codes):
                        if codes[index + 1] == 5:
                            color = _color256(codes[index + 2])
                            index += 2
                        else:
                            color = tuple(codes[index + 2 : index + 5])  # type: ignore[assignment]
                            index += 4
                        if code == 38:
                            fg = color
                        else:
                            bg = color
                    index += 1
                continue
            for char in part:
                x, y = 8 + col * width, 8 + row * height
                front, back = (bg, fg) if reverse else (fg, bg)
                if back != default_bg:
                    draw.rectangle([x, y, x + width, y + height], fill=back)
                draw.text((x, y), char, font=bold_font if bold else font, fill=front)
                col += 1
    image.save(out)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "editor-hover.png").resolve()
    session = "jumpdsl-shot"
    with tempfile.TemporaryDirectory() as folder:
        init = Path(folder) / "init.lua"
        init.write_text(
            f"PYTHON = {sys.executable!r}\nROOT = {str(ROOT)!r}\n" + INIT, encoding="utf-8"
        )
        tmux("new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
             "-c", str(ROOT), f"TERM=xterm-256color nvim -u {init} {SPEC}")  # fmt: skip
        try:
            time.sleep(4)  # the server starts and checks the spec
            text = (ROOT / SPEC).read_text(encoding="utf-8").split("\n")
            line = next(i for i, t in enumerate(text) if "JumpGroup(" in t and "for" in t)
            column = text[line].index("JumpGroup(") + 2
            tmux("send-keys", "-t", session, f":call cursor({line + 1}, {column + 1})", "Enter")
            time.sleep(0.5)
            tmux("send-keys", "-t", session, ":lua vim.lsp.buf.hover()", "Enter")
            time.sleep(2)
            render(capture(session), out)
        finally:
            tmux("send-keys", "-t", session, "Escape", ":qa!", "Enter")
            time.sleep(1)
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    print(out)


if __name__ == "__main__":
    main()
