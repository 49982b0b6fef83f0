"""No account id, pool id or credential is written in the source (docs/domain.md: AWS keys
once shipped in the browser code, a volunteer password sat in a repository file).

Ids belong in the stack settings (`Pulumi.<stack>.yaml`) and credentials nowhere: the program
reads the former, Cognito and IAM roles provide the latter. The scanner reads every tracked
Python, JavaScript and HTML file, and is itself tested on planted examples.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED_SUFFIXES = (".py", ".js", ".mjs", ".html")

# AWS's documentation placeholder: the unit tests' mocks answer with it.
TEST_ACCOUNT = "123456789012"
# All zeros is no account AWS can issue: the local stack's stand-in, fine anywhere.
PLACEHOLDER_ACCOUNT = "000000000000"

REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
PATTERNS = {
    "account id in an ARN": re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12})(?=[:/])"),
    "account id": re.compile(r"(?<![\w.+:/-])(\d{12})(?![\w])"),
    "Cognito user pool id": re.compile(rf"\b({REGION}_[0-9A-Za-z]{{9}})\b"),
    "Cognito identity pool id": re.compile(rf"\b({REGION}:[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}})\b"),
    "AWS access key id": re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    "AWS secret access key": re.compile(
        r"(?i)secret_?access_?key[\"']?\s*[:=]\s*[\"']([A-Za-z0-9/+=]{40})[\"']"),
    "private key": re.compile(r"(-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----)"),
    "password": re.compile(r"(?i)\bpass(?:word|wd)[\"']?\s*[:=]\s*[\"']([^\"'\s{}$]{6,})[\"']"),
}


def allowed(kind: str, value: str, path: str) -> bool:
    if kind.startswith("account id"):
        return value == PLACEHOLDER_ACCOUNT or (value == TEST_ACCOUNT and path.startswith("tests/"))
    return False


def scan(path: str, text: str) -> list[str]:
    """`path:line: kind value` for every literal id or credential in one file's text."""
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(line):
                value = match.group(1)
                if not allowed(kind, value, path):
                    findings.append(f"{path}:{number}: {kind} {value}")
    return findings


def tracked_sources() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [p for p in listed.stdout.split("\0") if p.endswith(SCANNED_SUFFIXES) and (ROOT / p).is_file()]


def test_no_tracked_source_holds_an_id_or_a_credential():
    sources = tracked_sources()
    assert "infra/cdn.py" in sources and any(p.endswith(".js") for p in sources)  # it did scan
    findings = [f for path in sources for f in scan(path, (ROOT / path).read_text(encoding="utf-8", errors="replace"))]
    assert findings == [], (
        "literal ids or credentials in source: put ids in Pulumi.<stack>.yaml (tests: build a fake "
        "one at run time, e.g. 'eu-west-3_' + 'Ab3dE6gH9'), and credentials nowhere"
    )


# Planted examples, assembled at run time so this file itself stays clean.
ACCOUNT = "4" * 12
POOL = "eu-west-3_" + "Ab3dE6gH9"
IDENTITY_POOL = "eu-west-3:" + "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
ACCESS_KEY = "AKIA" + "Q" * 16
SECRET = "wJalr" + "X" * 35


@pytest.mark.parametrize("line, kind", [
    (f'role = "arn:aws:iam::{ACCOUNT}:role/deploy"', "account id in an ARN"),
    (f"const account = '{ACCOUNT}';", "account id"),
    (f"userPoolId: '{POOL}',", "Cognito user pool id"),
    (f'IDENTITY_POOL = "{IDENTITY_POOL}"', "Cognito identity pool id"),
    (f"accessKeyId: '{ACCESS_KEY}',", "AWS access key id"),
    (f"secretAccessKey: '{SECRET}',", "AWS secret access key"),
    ("-----BEGIN " + "RSA PRIVATE KEY-----", "private key"),
    ("const password = '" + "Benevole2024!" + "';", "password"),
])
def test_the_scanner_finds_planted_ids_and_credentials(line, kind):
    for path in ("frontend/src/storage.js", "tests/unit/test_x.py"):
        findings = scan(path, f"# header\n{line}\n")
        assert any(f.startswith(f"{path}:2: {kind} ") for f in findings), findings


def test_the_scanner_allows_the_documentation_account_only_in_tests_and_ignores_item_ids():
    arn = f"arn:aws:lambda:eu-west-3:{TEST_ACCOUNT}:function:publisher"
    assert scan("tests/unit/conftest.py", f'ARN = "{arn}"') == []
    assert scan("infra/streams.py", f'ARN = "{arn}"') != []
    assert scan("devstack/invoke.py", f'ARN = "arn:aws:lambda:eu-west-3:{PLACEHOLDER_ACCOUNT}:function:x"') == []
    ordinary = "id = 'news-1731913200000'; size = 31536000; label = 'eu-west-3_' + suffix; password = os.environ['PW']"
    assert scan("newsroom/items.py", ordinary) == []
