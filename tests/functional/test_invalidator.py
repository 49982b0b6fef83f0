"""The invalidator against moto's CloudFront: only the paths a change makes stale, at most one
call per batch, retries through batchItemFailures when CloudFront refuses, idempotent replays."""
from __future__ import annotations


import boto3
import pytest
from botocore.exceptions import ClientError

from handlers import invalidator
from newsroom import aws, invalidation
from newsroom.entities import BY_NAME
from stream_records import (
    CONTEXT, NAMED, batch, cloudfront_distribution, failed, invalidations, record, stored,
)

NEWS, JOURNALS, MULTITRACKS = BY_NAME["news"], BY_NAME["journals"], BY_NAME["multitracks"]
MEDIA = "https://www.example.org/media/audio/eu-west-3:abc"


@pytest.fixture
def distribution(moto_server):
    return cloudfront_distribution()


def invalidating(distribution_id: str, max_paths: int = 15):
    """The invalidator of the NAMED tables' changes, with the site's journals page per entity."""
    return invalidator.build(NAMED, distribution_id=distribution_id, max_paths=max_paths,
                             invalidation_paths={"journals": ["/public/journals.json"]})


def invalidated(distribution_id: str) -> list[list[str]]:
    """The (sorted) path lists of every invalidation, in a stable order."""
    return sorted(sorted(paths) for paths in invalidations(distribution_id))


def test_media_paths_that_changed_are_invalidated_in_one_call(distribution):
    before = stored(NEWS, "news-1", audioUrl=f"{MEDIA}/news-1-aa.mp3", imageUrl=f"{MEDIA}/cover.jpg")
    after = stored(NEWS, "news-1", audioUrl=f"{MEDIA}/news-1-bb.mp3", imageUrl=f"{MEDIA}/cover.jpg",
                   notes=f"lien {MEDIA}/other.mp3 pas une URL seule")
    sounds = stored(NEWS, "news-2", sounds=[{"id": "s1", "url": f"{MEDIA}/s1.mp3"},
                                            {"id": "s2", "url": "/media/audio/eu-west-3:abc/s2.mp3"}],
                    audioKey="media/audio/eu-west-3:abc/news-2.mp3")
    response = invalidating(distribution)(batch(
        record(NAMED, NEWS, "MODIFY", before, after),
        record(NAMED, NEWS, "INSERT", None, sounds),
        record(NAMED, NEWS, "MODIFY", after, {**after, "title": "text only"}),
    ), CONTEXT)
    assert failed(response) == []
    assert invalidated(distribution) == [[
        "/media/audio/eu-west-3:abc/news-1-aa.mp3", "/media/audio/eu-west-3:abc/news-1-bb.mp3",
        "/media/audio/eu-west-3:abc/news-2.mp3", "/media/audio/eu-west-3:abc/s1.mp3",
        "/media/audio/eu-west-3:abc/s2.mp3",
    ]]


def test_deleting_an_item_invalidates_all_its_media(distribution):
    news = stored(NEWS, "news-1", audioUrl=f"{MEDIA}/news-1.mp3")
    tomb = {**news, "deletedAt": 1, "version": 2}
    tomb.pop("liveList")
    invalidating(distribution)(batch(record(NAMED, NEWS, "MODIFY", news, tomb)), CONTEXT)
    other = stored(NEWS, "news-2", audioKey="media/audio/x/news-2.mp3")
    invalidating(distribution)(batch(record(NAMED, NEWS, "REMOVE", other, None)), CONTEXT)
    assert invalidated(distribution) == [["/media/audio/eu-west-3:abc/news-1.mp3"],
                                         ["/media/audio/x/news-2.mp3"]]


def project(*clip_urls):
    """A multitrack editor project whose clips are at these URLs (None: a clip never uploaded)."""
    clips = [{"id": f"clip-{n}", "name": f"clip {n}", "start": n, "duration": 1, "s3Url": url}
             for n, url in enumerate(clip_urls)]
    return stored(MULTITRACKS, "multitrack-1", name="Reportage", linkedNewsId="news-1",
                  tracks=[{"id": "track-1", "clips": clips[:1]}, {"id": "track-2", "clips": clips[1:]}])


def test_a_multitrack_projects_clips_on_the_media_path_are_invalidated(distribution):
    """Clips (`tracks[].clips[].s3Url`) under the media path count like an item's audio; URLs of
    the old editor's own bucket and clips never uploaded are not the site's to invalidate."""
    legacy_clip = "https://amplify-saintespritaws-di-saintespritstoragebucket-91ui2ognukke.s3.eu-west-3.amazonaws.com/multitrack/u1/1-voix.mp3"
    before = project(f"{MEDIA}/voix.mp3", f"{MEDIA}/ambiance.mp3", legacy_clip, None)
    after = project(f"{MEDIA}/voix.mp3", f"{MEDIA}/ambiance-v2.mp3", legacy_clip, None)
    invalidating(distribution)(batch(record(NAMED, MULTITRACKS, "MODIFY", before, after)), CONTEXT)
    tomb = {**after, "deletedAt": 1, "version": 2}
    invalidating(distribution)(batch(record(NAMED, MULTITRACKS, "MODIFY", after, tomb)), CONTEXT)
    assert invalidated(distribution) == [
        ["/media/audio/eu-west-3:abc/ambiance-v2.mp3", "/media/audio/eu-west-3:abc/ambiance.mp3"],
        ["/media/audio/eu-west-3:abc/ambiance-v2.mp3", "/media/audio/eu-west-3:abc/voix.mp3"],
    ]


def test_configured_paths_follow_any_change_of_their_entity(distribution):
    invalidating(distribution)(batch(record(NAMED, JOURNALS, "INSERT", None, stored(JOURNALS, "journal-1")),
                              record(NAMED, JOURNALS, "INSERT", None, stored(JOURNALS, "journal-2"))), CONTEXT)
    assert invalidated(distribution) == [["/public/journals.json"]]


def test_a_batch_without_cacheable_changes_makes_no_call(distribution, monkeypatch):
    calls = []
    monkeypatch.setattr(aws, "client", lambda *args: calls.append(args))
    news = stored(NEWS, "news-1", audioUrl=f"{MEDIA}/news-1.mp3")
    response = invalidating(distribution)(batch(
        record(NAMED, NEWS, "INSERT", None, stored(NEWS, "news-2")),
        record(NAMED, NEWS, "MODIFY", news, {**news, "title": "new title", "version": 2}),
    ), CONTEXT)
    assert failed(response) == [] and calls == []


def test_more_paths_than_the_bound_collapse_into_a_wildcard(distribution):
    records = [record(NAMED, NEWS, "INSERT", None, stored(NEWS, f"news-{n}", audioUrl=f"{MEDIA}/news-{n}.mp3"))
               for n in range(5)]
    invalidating(distribution, max_paths=3)(batch(*records), CONTEXT)
    assert invalidated(distribution) == [["/media/audio/eu-west-3:abc/*"]]


def test_coalesce_keeps_distinct_prefixes_apart():
    paths = ["/media/audio/u1/a.mp3", "/media/audio/u1/b.mp3", "/media/audio/u2/c.mp3", "/index.json"]
    assert invalidation.coalesce(paths, 4) == sorted(paths)
    assert invalidation.coalesce(paths, 3) == ["/index.json", "/media/audio/u1/*", "/media/audio/u2/*"]
    assert invalidation.coalesce(paths, 2) == ["/index.json", "/media/audio/*"]
    assert invalidation.coalesce(paths, 1) == ["/*"]


class FlakyCloudFront:
    """moto's CloudFront, refusing every other call the way CloudFront does under load, and
    honouring CallerReference like CloudFront: a repeated batch returns the first
    invalidation instead of creating (and billing) another."""

    def __init__(self):
        self.real = boto3.client("cloudfront")
        self.calls = 0
        self.by_reference: dict[str, dict] = {}

    def create_invalidation(self, **request):
        self.calls += 1
        if self.calls % 2:
            code = "TooManyInvalidationsInProgress" if self.calls % 4 == 1 else "Throttling"
            raise ClientError({"Error": {"Code": code, "Message": "slow down"}}, "CreateInvalidation")
        reference = request["InvalidationBatch"]["CallerReference"]
        if reference not in self.by_reference:
            self.by_reference[reference] = self.real.create_invalidation(**request)
        return self.by_reference[reference]


def test_refused_invalidations_are_retried_until_every_path_is_invalidated(distribution, monkeypatch):
    flaky = FlakyCloudFront()
    monkeypatch.setattr(aws, "client", lambda service, *where: flaky)
    batches = [[record(NAMED, NEWS, "INSERT", None, stored(NEWS, f"news-{b}-{n}", audioUrl=f"{MEDIA}/{b}-{n}.mp3"))
                for n in range(3)] for b in range(6)]
    expected = {f"/media/audio/eu-west-3:abc/{b}-{n}.mp3" for b in range(6) for n in range(3)}
    for records in batches:
        attempts = 0
        pending = records
        while pending:  # what Lambda does with batchItemFailures on a stream: retry from the first failed record
            attempts += 1
            failures = failed(invalidating(distribution)(batch(*pending), CONTEXT))
            assert failures in ([], [r["dynamodb"]["SequenceNumber"] for r in pending])
            pending = pending if failures else []
        assert attempts == 2  # refused once, then accepted: nothing dropped
    assert set().union(*invalidated(distribution)) == expected
    assert len(invalidated(distribution)) == len(batches)

    # A replayed batch (Lambda retrying after a timeout) reuses its CallerReference.
    for records in batches:
        while failed(invalidating(distribution)(batch(*records), CONTEXT)):
            pass
    assert len(invalidated(distribution)) == len(batches)
