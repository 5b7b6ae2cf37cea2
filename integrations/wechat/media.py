"""Fetching the media patients send (antigen photos, reports, voice) before WeChat forgets it.

Temporary media expire after 3 days, so every image/voice is fetched at once through the
durable job queue (retried on failure, surviving restarts), checked for size and type, stored
under the media directory named by its content hash, and recorded as an `attachment` event of
the conversation so the doctor sees it.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from bot.engine import Engine
from bot.jobs import job
from bot.messages import conversation_id_for
from integrations.wechat.api import MediaRefused, WeChatAPIError
from integrations.wechat.channel import CHANNEL, MEDIA_JOB, FetchMedia, WeChatChannel

log = logging.getLogger("wenzhen.wechat")

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "audio/amr": ".amr", "audio/mpeg": ".mp3",
              "audio/speex": ".speex", "video/mp4": ".mp4"}
# WeChat's "this media id does not exist (or has expired)": retrying cannot help.
GONE = frozenset({40007})


def store_file(directory: Path, content: bytes, content_type: str) -> Path:
    """Write atomically (temp file, then rename), named by content hash: the same file twice is one file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (hashlib.sha256(content).hexdigest() + EXTENSIONS.get(content_type, ".bin"))
    if not path.exists():
        temporary = path.with_suffix(path.suffix + f".{os.getpid()}.part")
        temporary.write_bytes(content)
        os.chmod(temporary, 0o600)
        temporary.replace(path)
    return path


@job(MEDIA_JOB)
async def fetch_media(payload: FetchMedia, engine: Engine, channel: WeChatChannel | None) -> None:
    if channel is None:
        raise RuntimeError("a WeChat media job ran with the WeChat channel off")
    cid = conversation_id_for(CHANNEL, payload.openid)
    base = {"channel": CHANNEL, "kind": payload.kind, "media_id": payload.media_id, "message_id": payload.message_id}
    try:
        media = await channel.api.download_media(payload.media_id)
    except MediaRefused as exc:
        await engine.record(cid, "attachment_refused", {**base, "reason": str(exc)}, actor="system")
        return
    except WeChatAPIError as exc:
        if exc.errcode not in GONE:
            raise  # the job queue retries
        await engine.record(cid, "attachment_refused", {**base, "reason": exc.errmsg}, actor="system")
        return
    path = store_file(channel.settings.media_dir, media.content, media.content_type)
    await engine.record(
        cid,
        "attachment",
        {**base, "path": str(path), "content_type": media.content_type, "size": len(media.content)},
        actor="system",
    )
