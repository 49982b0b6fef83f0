"""The station's own newsroom app on the platform, as the station would try it before the
cut-over: a page that behaves as the app does (tests/e2e/station_app/, written from the app's
code: classic scripts, `window.app = new SaintEspritV3()`, the Hosted-UI code flow with its
hard-coded Cognito domain and client id), served by the local stack with its storage script tag
swapped for the platform's bundle (`python -m devstack --app-dir`), and nothing else changed.

The app's Cognito domain is pointed at the local stack by the browser's resolver (as a hosts
file would), so the page, its scripts and its cross-origin calls to /oauth2/token and
/oauth2/userInfo are exactly the app's. Two users in two browsers: sign-in through /login, seed
step 7, concurrent edits, Dupliquer, archives, audio, the multitrack editor, and the number of
list requests once the app has loaded.
"""
from __future__ import annotations

import io
import json
import math
import re
import struct
import subprocess
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devstack.browser import CHROMIUM, CHROMIUM_ARGS, FRONTEND
from devstack.stack import Stack
from tests.e2e.conftest import LIVE_TIMEOUT_MS

pytestmark = pytest.mark.e2e

APP_DIR = Path(__file__).parent / "station_app"
# What the app has written in its code (index.html, js/core/cognito-auth.js).
COGNITO_DOMAIN = "saint-esprit-radio-auth.auth.eu-west-3.amazoncognito.com"
APP_CLIENT_ID = "5jst6bnhl26ekdr5a7pu9ik2f5"
# The bar for seed step 7: the other browser shows a create or a delete within 2 s.
SEEN_ELSEWHERE_MS = 2_000


@dataclass
class StationStack:
    url: str
    passwords: dict[str, str]


@dataclass
class AppUser:
    """One person in their own browser, on the station's app."""

    page: Page
    username: str
    alerts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _station_bundle_built() -> None:
    """The classic storage bundle must be in frontend/dist (`make frontend`); built if not."""
    assets = FRONTEND / "dist" / "assets.json"
    if assets.is_file() and "station" in json.loads(assets.read_text()):
        return
    subprocess.run(["npm", "run", "--silent", "build"], cwd=FRONTEND, check=True)


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    """The local stack serving the station's app folder (`python -m devstack --app-dir
    tests/e2e/station_app`) on a free port, beside the session's stack in this process (its own
    prefix: its own tables, pool and users)."""
    _station_bundle_built()
    with Stack(port=0, state_dir=tmp_path_factory.mktemp("station-stack"), app_dir=APP_DIR,
               frontend_dir=FRONTEND / "dist", prefix="station-app") as running:
        yield StationStack(url=running.url,
                           passwords={user["username"]: user["password"] for user in running.users})


@pytest.fixture(scope="module")
def station_browser(station, playwright):
    """Chromium with the app's Cognito domain resolved to the local stack."""
    port = station.url.rsplit(":", 1)[1]
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {COGNITO_DOMAIN} 127.0.0.1:{port}"],
    )
    yield browser
    browser.close()


@pytest.fixture
def open_app(station, station_browser):
    """Factory: the station's app in a fresh browser, signed in as a demo user, loaded."""
    contexts = []

    def open_as(username: str) -> AppUser:
        context = station_browser.new_context(ignore_https_errors=True)
        context.set_default_timeout(LIVE_TIMEOUT_MS)
        contexts.append(context)
        user = AppUser(context.new_page(), username)
        user.page.on("pageerror", lambda error: user.errors.append(str(error)))

        def on_dialog(dialog):
            if dialog.type == "alert":
                user.alerts.append(dialog.message)
            dialog.accept()  # the app's confirm() before a delete: yes

        user.page.on("dialog", on_dialog)
        sign_in(user, station)
        return user

    yield open_as
    for context in contexts:
        context.close()


def sign_in(user: AppUser, station: StationStack) -> None:
    """Open the app: no session, so it sends the browser to the Hosted UI's /login; sign in
    there; back with ?code=, the app trades it for tokens, reloads, and starts."""
    page = user.page
    page.goto(f"{station.url}/")
    page.wait_for_url(re.compile(rf"^https://{re.escape(COGNITO_DOMAIN)}/login\?"))
    login = page.url
    assert f"client_id={APP_CLIENT_ID}" in login and "response_type=code" in login
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(station.passwords[user.username])
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(re.compile(rf"^{re.escape(station.url)}/\?code="))
    wait_until_started(page)


def wait_until_started(page: Page) -> None:
    """The app's init has finished: its storage initialised without throwing (the duration
    manager is created after it, in the same try), the dashboard drawn from the first load,
    and the live feed connected."""
    expect(page.get_by_test_id("user-display")).not_to_be_empty()
    page.wait_for_function(
        "() => window.app && window.app.durationManager && window.app.storage"
        " && window.app.storage.connectionState === 'Connected'")
    expect(page.get_by_test_id("stat-news")).not_to_have_text("–")


def switch_view(user: AppUser, view: str) -> None:
    user.page.get_by_test_id(f"nav-{view}").click()
    expect(user.page.get_by_test_id(f"{view}-view")).to_be_visible()


def row_titled(user: AppUser, row_testid: str, title: str):
    """The list row whose title is exactly `title` (a copy's title contains the original's)."""
    page = user.page
    return page.get_by_test_id(row_testid).filter(has=page.get_by_test_id("row-title").get_by_text(title, exact=True))


def cached(user: AppUser, entity: str, item_id: str) -> dict | None:
    return user.page.evaluate(
        "([entity, id]) => window.app.storage.cache[entity].find((item) => item.id === id) ?? null", [entity, item_id])


def create_news(user: AppUser, title: str, content: str = "") -> str:
    page = user.page
    page.get_by_test_id("create-news").click()
    page.get_by_test_id("news-title").fill(title)
    page.get_by_test_id("news-content").fill(content)
    page.get_by_test_id("news-save").click()
    expect(page.get_by_test_id("news-editor")).to_be_hidden()
    row = row_titled(user, "news-row", title)
    expect(row).to_be_visible()
    return row.get_attribute("data-id")


def unique(text: str) -> str:
    return f"{text} {time.time_ns() % 10**9}"


def assert_no_trouble(*users: AppUser) -> None:
    for user in users:
        assert user.alerts == [], f"{user.username} got alerts: {user.alerts}"
        assert user.errors == [], f"{user.username}'s page threw: {user.errors}"


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A short 440 Hz tone, a file any browser plays."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(int(seconds * rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


# ---- tests ----------------------------------------------------------------------------------

def test_the_app_signs_in_through_the_hosted_ui_and_runs_on_the_platforms_storage(open_app, station):
    user = open_app("journalist")
    page = user.page
    storage = page.evaluate("""() => ({
        swapped: !document.documentElement.dataset.storageScript,
        classes: window.Storage === window.StorageDynamoDB && typeof window.StorageDynamoDB === 'function',
        keys: Object.fromEntries(['cognito_id_token', 'cognito_access_token', 'cognito_refresh_token',
            'saint-esprit-authenticated', 'saint-esprit-user', 'saint-esprit-user-email',
            'saint-esprit-user-name'].map((key) => [key, localStorage.getItem(key)])),
    })""")
    assert storage["swapped"], "the old storage script ran: the tag was not swapped"
    assert storage["classes"], "window.Storage and window.StorageDynamoDB are the storage class, as the old script set them"
    assert all(storage["keys"].values()), storage["keys"]
    assert storage["keys"]["saint-esprit-authenticated"] == "true"
    assert storage["keys"]["saint-esprit-user"] == "journalist"
    assert_no_trouble(user)

    # A later visit: the stored tokens are checked and the app starts without the Hosted UI.
    page.goto(f"{station.url}/")
    wait_until_started(page)
    assert page.url == f"{station.url}/"
    assert_no_trouble(user)

    # Sign-out: the app clears its tokens and goes through the Hosted UI's /logout to logout.html.
    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{station.url}/logout.html")
    expect(page.get_by_test_id("signed-out")).to_be_visible()
    assert page.evaluate("localStorage.getItem('cognito_id_token') ?? localStorage.getItem('cognito_refresh_token')") is None


def test_an_expired_session_is_refreshed_by_the_app_at_load_and_the_storage_follows(open_app, station):
    user = open_app("journalist2")
    page = user.page
    # The app reads `exp` without checking the signature: an ID token that says it expired
    # makes the next load refresh with the stored refresh token, as after a night away.
    page.evaluate("""() => {
        const [header, payload, signature] = localStorage.getItem('cognito_id_token').split('.');
        const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
        claims.exp = Math.floor(Date.now() / 1000) - 60;
        const expired = btoa(JSON.stringify(claims)).replace(/=+$/, '').replace(/\\+/g, '-').replace(/\\//g, '_');
        localStorage.setItem('cognito_id_token', [header, expired, signature].join('.'));
    }""")
    refreshes = []
    page.on("request", lambda request: request.url == f"https://{COGNITO_DOMAIN}/oauth2/token"
            and "grant_type=refresh_token" in (request.post_data or "") and refreshes.append(request))
    page.reload()
    wait_until_started(page)
    assert len(refreshes) == 1, "the app refreshed its tokens at the Hosted UI's domain (cross-origin)"
    exp = page.evaluate(
        "() => JSON.parse(atob(localStorage.getItem('cognito_id_token').split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp")
    assert exp > time.time()
    switch_view(user, "news")
    create_news(user, unique("Après une nuit"))  # the storage writes with the refreshed session
    assert_no_trouble(user)


def test_seed_step_7_a_create_and_a_delete_show_in_the_other_browser_without_reload(open_app):
    clara, simon = open_app("journalist"), open_app("journalist2")
    for user in (clara, simon):
        switch_view(user, "news")
    simon.page.evaluate("window.notReloaded = true")

    title = unique("Inondations à Saint-Esprit")
    create_news(clara, title, "Les pompiers sont sur place.")
    expect(row_titled(simon, "news-row", title)).to_be_visible(timeout=SEEN_ELSEWHERE_MS)

    row_titled(clara, "news-row", title).get_by_test_id("delete").click()
    expect(row_titled(clara, "news-row", title)).to_have_count(0)
    expect(row_titled(simon, "news-row", title)).to_have_count(0, timeout=SEEN_ELSEWHERE_MS)
    assert simon.page.evaluate("window.notReloaded") is True

    # The dashboard (drawn by the app at boot only) follows too.
    switch_view(simon, "dashboard")
    count = int(simon.page.get_by_test_id("stat-news").inner_text())
    create_news(clara, unique("Marché de Noël"))
    expect(simon.page.get_by_test_id("stat-news")).to_have_text(str(count + 1), timeout=SEEN_ELSEWHERE_MS)
    assert_no_trouble(clara, simon)


def test_edits_made_at_once_merge_and_a_same_field_conflict_is_settled_in_the_dialog(open_app):
    clara, simon = open_app("journalist"), open_app("journalist2")
    for user in (clara, simon):
        switch_view(user, "news")
    title = unique("Conseil municipal")
    news_id = create_news(clara, title, "Texte d'origine")
    expect(row_titled(simon, "news-row", title)).to_be_visible()

    # Both open the news; Clara saves a new title first.
    for user in (clara, simon):
        row_titled(user, "news-row", title).get_by_test_id("edit").click()
    new_title = unique("Conseil municipal : budget voté")
    clara.page.get_by_test_id("news-title").fill(new_title)
    clara.page.get_by_test_id("news-save").click()
    expect(row_titled(clara, "news-row", new_title)).to_be_visible()
    # Simon is told while he edits; his list waits for his editor to close.
    expect(simon.page.get_by_test_id("notification").filter(has_text="modifié par quelqu'un d'autre")).to_be_visible()
    simon.page.wait_for_timeout(500)
    expect(row_titled(simon, "news-row", title)).to_be_visible()
    # He changed another field: both edits are kept, no question asked.
    simon.page.get_by_test_id("news-content").fill("Texte corrigé par Simon")
    simon.page.get_by_test_id("news-save").click()
    expect(simon.page.get_by_test_id("news-editor")).to_be_hidden()
    expect(simon.page.get_by_test_id("conflict-dialog")).to_have_count(0)
    expect(row_titled(simon, "news-row", new_title)).to_be_visible()
    clara.page.wait_for_function(
        "(id) => window.app.storage.cache.news.find((n) => n.id === id)?.content === 'Texte corrigé par Simon'", arg=news_id)
    merged = cached(simon, "news", news_id)
    assert (merged["title"], merged["content"]) == (new_title, "Texte corrigé par Simon")
    assert cached(clara, "news", news_id)["version"] == merged["version"] == 3

    # Now both change the title: Simon, saving second, is asked which to keep.
    for user in (clara, simon):
        row_titled(user, "news-row", new_title).get_by_test_id("edit").click()
    clara.page.get_by_test_id("news-title").fill("Budget voté (Clara)")
    clara.page.get_by_test_id("news-save").click()
    expect(row_titled(clara, "news-row", "Budget voté (Clara)")).to_be_visible()
    simon.page.get_by_test_id("news-title").fill("Budget voté (Simon)")
    simon.page.get_by_test_id("news-save").click()
    dialog = simon.page.get_by_test_id("conflict-dialog")
    expect(dialog).to_be_visible()
    field = dialog.locator("[data-testid='conflict-field'][data-path='title']")
    expect(field.locator(".mine")).to_contain_text("Budget voté (Simon)")
    expect(field.locator(".theirs")).to_contain_text("Budget voté (Clara)")
    dialog.get_by_test_id("conflict-keep-mine").click()
    expect(dialog).to_have_count(0)
    expect(simon.page.get_by_test_id("news-editor")).to_be_hidden()
    for user in (clara, simon):
        expect(row_titled(user, "news-row", "Budget voté (Simon)")).to_be_visible()
    clara.page.wait_for_function(
        "(id) => window.app.storage.cache.news.find((n) => n.id === id)?.version === 5", arg=news_id)
    assert cached(clara, "news", news_id) == cached(simon, "news", news_id)
    assert_no_trouble(clara, simon)


def test_a_news_deleted_while_someone_edits_it_can_be_recreated_from_the_dialog(open_app):
    clara, simon = open_app("journalist"), open_app("journalist2")
    for user in (clara, simon):
        switch_view(user, "news")
    title = unique("Programme de la fête")
    news_id = create_news(clara, title, "Feu d'artifice à 22 h")
    row_titled(simon, "news-row", title).get_by_test_id("edit").click()
    row_titled(clara, "news-row", title).get_by_test_id("delete").click()
    expect(simon.page.get_by_test_id("notification").filter(has_text="supprimé par quelqu'un d'autre")).to_be_visible()

    simon.page.get_by_test_id("news-content").fill("Feu d'artifice à 22 h 30")
    simon.page.get_by_test_id("news-save").click()
    dialog = simon.page.get_by_test_id("conflict-dialog")
    expect(dialog).to_have_attribute("data-variant", "deleted")
    expect(dialog.get_by_test_id("conflict-keep-mine")).to_have_text("Recréer ma version")
    dialog.get_by_test_id("conflict-keep-mine").click()
    expect(simon.page.get_by_test_id("news-editor")).to_be_hidden()
    for user in (clara, simon):
        expect(row_titled(user, "news-row", title)).to_be_visible()
    # Only admins take items out of the trash: a journalist's version comes back as a new item,
    # the deleted one stays in the trash.
    recreated = clara.page.wait_for_function(
        """([id, title]) => window.app.storage.cache.news.find(
             (n) => n.title === title && n.content === "Feu d'artifice à 22 h 30" && n.id !== id)?.id""",
        arg=[news_id, title]).json_value()
    assert recreated.startswith("news-")
    assert clara.page.evaluate("(id) => window.app.storage.cache.news.some((n) => n.id === id)", news_id) is False
    assert_no_trouble(clara, simon)


def test_dupliquer_saves_a_copy_beside_the_original(open_app):
    clara, simon = open_app("journalist"), open_app("journalist2")
    for user in (clara, simon):
        switch_view(user, "news")
    title = unique("Chronique jardin")
    original_id = create_news(clara, title, "Semer les radis.")

    row_titled(clara, "news-row", title).get_by_test_id("duplicate").click()
    expect(clara.page.get_by_test_id("news-title")).to_have_value(f"{title} (copie)")
    clara.page.get_by_test_id("news-save").click()
    expect(clara.page.get_by_test_id("news-editor")).to_be_hidden()
    copy = row_titled(clara, "news-row", f"{title} (copie)")
    expect(copy).to_be_visible()
    copy_id = copy.get_attribute("data-id")
    assert copy_id != original_id
    expect(row_titled(simon, "news-row", f"{title} (copie)")).to_be_visible()
    assert cached(clara, "news", copy_id)["content"] == "Semer les radis."
    assert cached(clara, "news", original_id)["title"] == title
    assert_no_trouble(clara, simon)


def test_an_archived_animation_is_restored_and_a_news_deleted_for_good(open_app):
    clara, simon = open_app("journalist"), open_app("journalist2")
    switch_view(clara, "animation")
    switch_view(simon, "archives")
    title = unique("Jeu du vendredi")
    clara.page.get_by_test_id("create-animation").click()
    clara.page.get_by_test_id("animation-title").fill(title)
    clara.page.get_by_test_id("animation-save").click()
    row_titled(clara, "animation-row", title).get_by_test_id("archive").click()
    expect(row_titled(clara, "animation-row", title)).to_have_count(0)
    expect(row_titled(simon, "archive-row", title)).to_be_visible()

    # Restore (the app saves it as type 'animation', singular).
    switch_view(clara, "archives")
    row_titled(clara, "archive-row", title).get_by_test_id("restore").click()
    expect(row_titled(clara, "archive-row", title)).to_have_count(0)
    expect(row_titled(simon, "archive-row", title)).to_have_count(0)
    switch_view(clara, "animation")
    animation = row_titled(clara, "animation-row", title)
    expect(animation).to_be_visible()
    assert cached(clara, "animations", animation.get_attribute("data-id"))["status"] == "draft"

    # "Supprimer définitivement": the app hands save() its loaded data minus the news.
    switch_view(clara, "news")
    doomed = unique("Brève périmée")
    clara.page.get_by_test_id("create-news").click()
    clara.page.get_by_test_id("news-title").fill(doomed)
    clara.page.get_by_test_id("news-status").select_option("archived")
    clara.page.get_by_test_id("news-save").click()
    expect(row_titled(simon, "archive-row", doomed)).to_be_visible()
    switch_view(clara, "archives")
    row_titled(clara, "archive-row", doomed).get_by_test_id("delete-forever").click()
    expect(row_titled(clara, "archive-row", doomed)).to_have_count(0)
    expect(row_titled(simon, "archive-row", doomed)).to_have_count(0)
    expect(row_titled(simon, "archive-row", title)).to_have_count(0)  # nothing else went with it
    switch_view(clara, "animation")
    expect(row_titled(clara, "animation-row", title)).to_be_visible()
    assert_no_trouble(clara, simon)


def test_a_news_audio_is_uploaded_then_played_and_fetched_with_cors_by_everyone(open_app):
    clara, simon = open_app("journalist"), open_app("journalist2")
    for user in (clara, simon):
        switch_view(user, "news")
    clip = wav_bytes()
    title = unique("Interview du maire")
    clara.page.get_by_test_id("create-news").click()
    clara.page.get_by_test_id("news-title").fill(title)
    clara.page.get_by_test_id("news-audio").set_input_files(
        files=[{"name": "maire.wav", "mimeType": "audio/wav", "buffer": clip}])
    clara.page.get_by_test_id("news-save").click()
    expect(clara.page.get_by_test_id("news-editor")).to_be_hidden()
    news_id = row_titled(clara, "news-row", title).get_attribute("data-id")
    stored = cached(clara, "news", news_id)
    assert stored["audioUrl"] and stored["audioKey"] and stored["audioFileName"] == "maire.wav"

    for user in (clara, simon):
        row = row_titled(user, "news-row", title)
        row.get_by_test_id("play").click()  # new Audio(url)
        expect(user.page.get_by_test_id("audio-status")).to_have_attribute("data-state", "loaded")
        row.get_by_test_id("download").click()  # fetch(url, {mode: 'cors', credentials: 'omit'})
        expect(user.page.get_by_test_id("audio-status")).to_have_attribute("data-state", "downloaded")
        assert user.page.get_by_test_id("audio-status").get_attribute("data-bytes") == str(len(clip))
    assert_no_trouble(clara, simon)


def test_a_multitrack_project_is_saved_with_its_clip_and_found_again_after_a_reload(open_app, station):
    clara, simon = open_app("journalist"), open_app("journalist2")
    switch_view(clara, "multitrack")
    name = unique("Magazine du samedi")
    page = clara.page
    # The editor redraws its form once its projects are read: type after that.
    expect(page.locator("#multitrack-container")).to_have_attribute("data-state", "loaded")
    page.get_by_test_id("mt-name").fill(name)
    page.get_by_test_id("mt-clip-file").set_input_files(
        files=[{"name": "ambiance.wav", "mimeType": "audio/wav", "buffer": wav_bytes()}])
    page.get_by_test_id("mt-add-clip").click()
    clip = page.get_by_test_id("mt-clip")
    expect(clip).to_have_count(1)
    assert clip.get_attribute("data-url"), "the clip was uploaded through storage.s3 (the editor names its URL)"
    page.get_by_test_id("mt-save").click()
    expect(page.get_by_test_id("mt-project").filter(has_text=name)).to_be_visible()

    page.reload()
    wait_until_started(page)
    for user in (clara, simon):
        switch_view(user, "multitrack")
        project = user.page.get_by_test_id("mt-project").filter(has_text=name)
        expect(project).to_contain_text("(1 clips)")
        project.get_by_test_id("mt-open").click()
        expect(user.page.get_by_test_id("mt-name")).to_have_value(name)
        expect(user.page.get_by_test_id("mt-clip")).to_have_count(1)
    assert_no_trouble(clara, simon)


def test_after_the_first_load_switching_views_sends_no_list_request(open_app):
    user = open_app("journalist")
    page = user.page
    api_calls = []
    page.on("request", lambda request: request.method == "POST" and request.url.endswith("/graphql")
            and api_calls.append(request.post_data or ""))
    page.reload()
    wait_until_started(page)
    page.wait_for_load_state("networkidle")
    assert [call for call in api_calls if "query Load" in call], "the boot loads the lists (one request per page)"
    # The multitrack editor reads its own list once, the first time it opens.
    switch_view(user, "multitrack")
    expect(page.get_by_test_id("mt-projects")).to_be_attached()
    page.wait_for_load_state("networkidle")

    api_calls.clear()
    views = ["news", "animation", "conductor", "blocks", "archives", "multitrack", "dashboard", "news", "blocks", "conductor"]
    for view in views:
        switch_view(user, view)
    page.wait_for_load_state("networkidle")
    lists = [call for call in api_calls if "query Load" in call]
    assert lists == [], f"{len(lists)} list requests while switching {len(views)} views"
    assert api_calls == [], "nothing else asked of the API either"
    expect(page.get_by_test_id("conductor-view")).to_be_visible()
    assert_no_trouble(user)
