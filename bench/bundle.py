"""Size of the browser storage module's bundles (raw and gzip), beside aws-amplify imported
whole, measured in the same run: the ES module, and the classic script the station's app
loads in place of its old storage script (storage + station adapter + conflict dialog).

Target: each storage bundle, Amplify included, at most 90 KB gzip. The baseline bundles every
category of `aws-amplify` (what `import * from` each entry point would ship), minified the
same way, so the ratio shows what importing only the needed functions saves.

    .venv/bin/python -m bench.bundle        (builds frontend/dist if it is missing)
"""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
DIST = FRONTEND / "dist"
TARGET_GZIP_KB = 90
# Every public entry point of aws-amplify v6 (a full import of the library).
AMPLIFY_ENTRIES = ("aws-amplify", "aws-amplify/api", "aws-amplify/auth", "aws-amplify/storage",
                   "aws-amplify/data", "aws-amplify/datastore", "aws-amplify/analytics",
                   "aws-amplify/in-app-messaging", "aws-amplify/push-notifications",
                   "aws-amplify/utils")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=FRONTEND, check=True, capture_output=True, text=True, **kwargs)


def sizes(data: bytes) -> tuple[int, int]:
    return len(data), len(gzip.compress(data, compresslevel=9))


def built_assets() -> dict[str, str]:
    if not (DIST / "assets.json").is_file():
        if not (FRONTEND / "node_modules").is_dir():
            run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"])
        run(["npm", "run", "--silent", "build"])
    return json.loads((DIST / "assets.json").read_text())


def full_amplify_bundle() -> bytes:
    imports = "\n".join(f"import * as m{i} from '{entry}';" for i, entry in enumerate(AMPLIFY_ENTRIES))
    keep = ", ".join(f"m{i}" for i in range(len(AMPLIFY_ENTRIES)))
    source = f"{imports}\nglobalThis.amplify = [{keep}];\n"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "amplify-full.js"
        run([str(FRONTEND / "node_modules/.bin/esbuild"), "--bundle", "--minify", "--format=esm",
             "--target=es2022", "--log-level=error", f"--outfile={out}", "--loader=js"],
            input=source)
        return out.read_bytes()


def kb(n: int) -> str:
    return f"{n / 1024:7.1f} KB"


def main() -> int:
    assets = built_assets()
    rows = {
        "storage module (StorageDynamoDB + Amplify)": sizes((DIST / assets["storage"]).read_bytes()),
        "station classic script (+ adapter, dialog)": sizes((DIST / assets["station"]).read_bytes()),
        "newsroom page (storage module + page)": sizes((DIST / assets["newsroom"]).read_bytes()),
        "baseline: aws-amplify, every category": sizes(full_amplify_bundle()),
    }
    print(f"{'bundle':46} {'raw':>10} {'gzip':>10}")
    for name, (raw, zipped) in rows.items():
        print(f"{name:46} {kb(raw)} {kb(zipped)}")
    baseline_gzip = rows["baseline: aws-amplify, every category"][1]
    for name in ("storage module (StorageDynamoDB + Amplify)", "station classic script (+ adapter, dialog)"):
        gzip_size = rows[name][1]
        verdict = "met" if gzip_size <= TARGET_GZIP_KB * 1024 else "MISSED"
        print(f"{name.split(' (')[0]} gzip: {gzip_size / 1024:.1f} KB, target <= {TARGET_GZIP_KB} KB: {verdict}; "
              f"{gzip_size / baseline_gzip:.2f}x all of Amplify")
    return 0


if __name__ == "__main__":
    sys.exit(main())
