"""A small shop repository with real git history, built at test time, for the review tests.

The base commit has payments (charge, refund, old_name, legacy), orders calling them, an API
calling orders, a test reaching checkout, and a compose file. The head commit (on branch
`feature`) modifies checkout and refund, adds discount, renames old_name to double, deletes
legacy, changes the compose file, and adds a binary and a vendored file.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

BASE_FILES = {
    "shop/__init__.py": "",
    "shop/payments.py": '''"""Payments."""


def charge(amount):
    return {"charged": amount}


def refund(amount):
    return {"refunded": amount}


def old_name(x):
    value = x * 2
    return value + 0


def legacy():
    return "legacy"
''',
    "shop/orders.py": '''"""Orders."""
from shop.payments import charge, legacy, old_name


def total(cart):
    return sum(cart)


def checkout(cart):
    return charge(total(cart))


def cancel():
    return legacy()


def doubled(cart):
    return old_name(total(cart))
''',
    "shop/api.py": """from shop.orders import checkout


def handle(request):
    return checkout(request)
""",
    "tests/test_orders.py": """from shop.orders import checkout


def test_checkout():
    assert checkout([1, 2]) == {"charged": 3}
""",
    "docker-compose.yml": "services:\n  api:\n    image: shop:1\n",
    "README.md": "# shop\n",
}

HEAD_FILES = {
    "shop/payments.py": '''"""Payments."""


def charge(amount):
    return {"charged": amount}


def refund(amount):
    if amount <= 0:
        raise ValueError("refund must be positive")
    return {"refunded": amount}


def double(x):
    value = x * 2
    return value + 0
''',
    "shop/orders.py": '''"""Orders."""
from shop.payments import charge, double


def total(cart):
    return sum(cart)


def checkout(cart):
    amount = total(cart) - discount(cart)
    return charge(amount)


def discount(cart):
    return 0


def cancel():
    return None


def doubled(cart):
    return double(total(cart))
''',
    "docker-compose.yml": "services:\n  api:\n    image: shop:2\n",
    "vendor/lib.py": "def vendored():\n    return 1\n",
}

HEAD_BINARY = {"assets/logo.png": b"\x89PNG\r\n\x1a\n\0\0\0binary"}


@dataclass(frozen=True)
class ShopRepo:
    root: Path
    base: str
    head: str


#: Fixed identities and dates, so the commit ids (and the golden output) never change.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
    "GIT_AUTHOR_DATE": "2026-11-02T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-11-02T10:00:00+00:00",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(text)


def build_shop_repo(parent: Path, name: str = "shop") -> ShopRepo:
    """The repository at `parent/name`, checked out at the base commit on `main`."""
    root = parent / name
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    write(root, BASE_FILES)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")
    write(root, HEAD_FILES)
    (root / "shop/orders.py").write_text(HEAD_FILES["shop/orders.py"])
    for path, data in HEAD_BINARY.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature")
    head = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "main")
    return ShopRepo(root, base, head)
