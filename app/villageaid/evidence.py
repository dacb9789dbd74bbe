"""Evidence (佐证材料): photos and scans attached to follow-up records,
training sessions (signed sign-in sheets) and the handling of follow-up
alerts (预警处置).

- Files are JPEG, PNG or PDF — judged by their first bytes, and the name's
  extension must agree — of at most VILLAGEAID_EVIDENCE_MAX_BYTES (10 MB).
- They are kept in the evidence store (VILLAGEAID_EVIDENCE_STORE): the
  folder VILLAGEAID_EVIDENCE_DIR (`<instance>/evidence`) by default, or an
  S3-compatible bucket ("s3": VILLAGEAID_EVIDENCE_S3_*), under a name of
  the store's own choosing; the row keeps the file's name, type, size and
  SHA-256. Both stores offer put, open and remove; the bucket is never
  shown on the web: downloads stream through the application after the
  scope check.
- Evidence is scoped exactly like its record, written through the write
  path (so it is in the change history), goes to the recycle bin with its
  record and comes back with its restore; purging the record removes its
  evidence, files included, after the commit.
"""
import hashlib
import logging
import os
import re
import threading
import uuid

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, or_, select
from sqlalchemy.orm import joinedload

from . import scope, settings, writes
from .models import Evidence, FollowUpAlert, FollowUpRecord, TrainingSession, utcnow

# kind in URLs -> (record model, Evidence column, the record's list view)
KINDS = {
    "followup": (FollowUpRecord, "followup_record_id", "FollowUpRecordView"),
    "session": (TrainingSession, "training_session_id", "TrainingSessionView"),
    "alert": (FollowUpAlert, "followup_alert_id", "FollowUpAlertView"),
}
KIND_OF = {model: kind for kind, (model, _c, _v) in KINDS.items()}

# the types accepted: (the file's first bytes, content type, extensions)
TYPES = (
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"%PDF-", "application/pdf", (".pdf",)),
)
REMOVE_AFTER_COMMIT = "va_evidence_files_to_remove"
log = logging.getLogger(__name__)


@scope.rule(Evidence)
def _evidence(towns, units, user_id):
    """Evidence is visible with its record: a session's with the session
    (every signed-in user with a scope), a follow-up record's with its
    village, an alert's to whom sees the alert (its village, its
    responsible unit)."""
    records = select(FollowUpRecord.id).where(scope.rule_of(FollowUpRecord)(towns, units, user_id))
    alerts = select(FollowUpAlert.id).where(scope.rule_of(FollowUpAlert)(towns, units, user_id))
    return or_(Evidence.training_session_id.isnot(None), Evidence.followup_record_id.in_(records),
               Evidence.followup_alert_id.in_(alerts))


class Refused(ValueError):
    """The file is not accepted; the message says why."""


# --- the store -------------------------------------------------------------------


class FolderStore:
    """Files in a folder (by default `<instance>/evidence`), two levels deep
    by a random name: the uploaded name is never a path."""

    def __init__(self, root):
        self.root = root

    def _path(self, name):
        path = os.path.realpath(os.path.join(self.root, name))
        if not path.startswith(os.path.realpath(self.root) + os.sep):
            raise Refused(_("The file is not in the evidence store."))
        return path

    def put(self, data):
        name = uuid.uuid4().hex
        name = os.path.join(name[:2], name)
        path = self._path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "xb") as out:
            out.write(data)
        return name

    def open(self, name):
        return open(self._path(name), "rb")

    def remove(self, name):
        try:
            os.remove(self._path(name))
        except FileNotFoundError:
            pass


class StoreUnavailable(Refused):
    """The store did not keep the file (the bucket cannot be reached)."""


# a name the stores give: two hex digits, a slash, 32 hex digits
STORED_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")


class S3Store:
    """Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, OSS, COS...),
    as objects `<prefix><2 hex>/<32 hex>`: the same names as FolderStore's.
    The bucket is private to the application; `open` returns the object's
    body, read in chunks as the download streams."""

    def __init__(self, client, bucket, prefix=""):
        self.client, self.bucket, self.prefix = client, bucket, prefix or ""

    def _key(self, name):
        if not STORED_NAME.match(name or ""):
            raise Refused(_("The file is not in the evidence store."))
        return self.prefix + name

    def put(self, data):
        from botocore.exceptions import BotoCoreError, ClientError

        name = uuid.uuid4().hex
        name = "%s/%s" % (name[:2], name)
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)
        except (BotoCoreError, ClientError):
            log.exception("the evidence store did not keep a file")
            raise StoreUnavailable(_("The evidence store could not keep the file; nothing was saved. "
                                     "Try again later."))
        return name

    def open(self, name):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"]
        except (BotoCoreError, ClientError) as exc:
            raise FileNotFoundError(name) from exc

    def remove(self, name):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name))
        except (BotoCoreError, ClientError, Refused):
            log.exception("the evidence store did not remove %s", name)

    def names(self):
        """Every name in the store (for checks and tests)."""
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            found += [item["Key"][len(self.prefix):] for item in page.get("Contents", ())]
        return sorted(found)


_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()


def s3_client(endpoint_url, region, key_id, secret):
    """One client per configuration, made once (a client is thread-safe,
    making one is not cheap). Keys not configured: boto3's own chain (the
    AWS_* environment variables, its files, an instance role)."""
    key = (endpoint_url, region, key_id, secret)
    with _CLIENTS_LOCK:
        if key not in _CLIENTS:
            import boto3
            from botocore.config import Config

            session = boto3.session.Session()
            _CLIENTS[key] = session.client(
                "s3", endpoint_url=endpoint_url or None, region_name=region or None,
                aws_access_key_id=key_id or None, aws_secret_access_key=secret or None,
                config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30))
        return _CLIENTS[key]


def store():
    """The evidence store the settings choose (VILLAGEAID_EVIDENCE_STORE)."""
    if settings.get("VILLAGEAID_EVIDENCE_STORE") == "s3":
        bucket = settings.get("VILLAGEAID_EVIDENCE_S3_BUCKET")
        if not bucket:
            raise RuntimeError("VILLAGEAID_EVIDENCE_STORE is s3 but VILLAGEAID_EVIDENCE_S3_BUCKET is not set")
        client = s3_client(settings.get("VILLAGEAID_EVIDENCE_S3_ENDPOINT_URL"),
                           settings.get("VILLAGEAID_EVIDENCE_S3_REGION"),
                           settings.get("VILLAGEAID_EVIDENCE_S3_ACCESS_KEY_ID"),
                           settings.get("VILLAGEAID_EVIDENCE_S3_SECRET_ACCESS_KEY"))
        return S3Store(client, bucket, settings.get("VILLAGEAID_EVIDENCE_S3_PREFIX"))
    root = settings.get("VILLAGEAID_EVIDENCE_DIR") or os.path.join(current_app.instance_path, "evidence")
    return FolderStore(root)


# --- checks ----------------------------------------------------------------------


def max_bytes():
    return settings.get("VILLAGEAID_EVIDENCE_MAX_BYTES")


def read_upload(upload):
    """(file name, content type, data) of an uploaded file, or Refused."""
    if upload is None or not upload.filename:
        raise Refused(_("Choose a file to upload."))
    # the name only (never a path), without control characters
    name = "".join(ch for ch in os.path.basename(upload.filename.replace("\\", "/")) if ch.isprintable()).strip()[:255]
    if not name:
        raise Refused(_("Choose a file to upload."))
    limit = max_bytes()
    data = upload.stream.read(limit + 1)
    if not data:
        raise Refused(_("The file is empty."))
    if len(data) > limit:
        raise Refused(_("The file is larger than %(size)s MB.", size=_megabytes(limit)))
    for magic, content_type, extensions in TYPES:
        if data.startswith(magic):
            if not name.lower().endswith(extensions):
                raise Refused(_("The file's name does not match its content (%(type)s).", type=content_type))
            return name, content_type, data
    raise Refused(_("Only JPEG, PNG and PDF files are accepted."))


def _megabytes(limit):
    return ("%.1f" % (limit / 1024 / 1024)).rstrip("0").rstrip(".")


# --- reading and writing ------------------------------------------------------------


def record_of(kind, pk, viewer):
    """The record of `kind` with this id if `viewer` may see it, else None."""
    if kind not in KINDS:
        return None
    return scope.get_visible(KINDS[kind][0], pk, viewer)


def listing(viewer, record):
    """The record's evidence `viewer` may see, newest first (one query)."""
    column = getattr(Evidence, KINDS[KIND_OF[type(record)]][1])
    return (scope.visible_query(Evidence, viewer).options(joinedload(Evidence.created_by))
            .filter(column == record.id).order_by(Evidence.created_on.desc(), Evidence.id.desc()).all())


def attach(record, upload, viewer, path="web"):
    """Check the file, keep it in the store and save its row through the
    write path; a refusal keeps nothing. Returns the Evidence row."""
    name, content_type, data = read_upload(upload)
    kept = store()
    stored = kept.put(data)
    item = Evidence(file_name=name, content_type=content_type, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), stored_path=stored)
    setattr(item, KINDS[KIND_OF[type(record)]][1], record.id)
    try:
        writes.save(item, viewer, path=path)
    except writes.Refused:
        kept.remove(stored)
        raise
    return item


# --- with its record: to the bin, back, and away ---------------------------------------


@writes.on_change
def follow_the_record(change, session):
    """A record's delete bins its evidence, its restore brings back what
    went with it, its purge removes its evidence (the files after the commit)."""
    kind = KIND_OF.get(type(change.item))
    if kind is None or change.kind not in ("delete", "restore", "purge"):
        return
    from . import history

    column = getattr(Evidence, KINDS[kind][1])
    query = session.query(Evidence).filter(column == change.item.id)
    if change.kind == "delete":
        rows = query.filter(Evidence.deleted_on.is_(None)).all()
    elif change.kind == "restore":
        rows = query.filter(Evidence.binned_with_record.is_(True)).all()
    else:
        rows = query.all()
    for row in rows:
        before = writes.snapshot(row)
        if change.kind == "delete":
            row.deleted_on, row.deleted_by_fk, row.binned_with_record = utcnow(), change.viewer.user_id, True
        elif change.kind == "restore":
            row.deleted_on, row.deleted_by_fk, row.binned_with_record = None, None, False
        session.flush()
        history.record_change(writes.Change(change.kind, row, before, change.viewer, change.path,
                                            writes.snapshot(row)), session)
    if change.kind == "purge":
        for row in rows:
            session.info.setdefault(REMOVE_AFTER_COMMIT, []).append(row.stored_path)
            session.delete(row)
        session.flush()


@writes.on_change
def purged_evidence_file(change, session):
    """Purging an evidence row itself removes its file after the commit."""
    if isinstance(change.item, Evidence) and change.kind == "purge":
        session.info.setdefault(REMOVE_AFTER_COMMIT, []).append(change.item.stored_path)


def _remove_files(session):
    names = session.info.pop(REMOVE_AFTER_COMMIT, None)
    if names:
        kept = store()
        for name in names:
            kept.remove(name)


def _forget_files(session, *args):
    session.info.pop(REMOVE_AFTER_COMMIT, None)


def listen(session):
    for name, func in (("after_commit", _remove_files), ("after_rollback", _forget_files)):
        if not event.contains(session, name, func):
            event.listen(session, name, func)
