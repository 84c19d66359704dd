"""What the emulator answers for fal's storage: the CDN token, the CDN upload, the signed
upload fallback (initiate, then PUT) and the files it serves under /files/ (uploads and
rendered outputs). The token and initiate routes take fal's key (routes.py checks it);
the CDN upload takes the token, the signed PUT and the files need nothing.
"""

from __future__ import annotations

from .faults import Fault
from .stats import UploadRecord
from .storage import safe_name
from .wire import Reply, Request, Services, json_reply, not_found


class StorageRoutes:
    def __init__(self, services: Services) -> None:
        self.s = services

    def token(self, req: Request, fault: Fault | None) -> Reply:
        token, expires = self.s.files.issue_token()
        body = {
            "token": token,
            "token_type": "Bearer",
            "base_url": self.s.base_url,
            "expires_at": expires.isoformat(),
        }
        return json_reply(200, body)

    def upload_v3(self, req: Request, fault: Fault | None) -> Reply:
        if not self.s.files.token_valid(req.headers.get("Authorization")):
            return json_reply(401, {"detail": "Invalid or expired upload token"})
        name = safe_name(req.headers.get("X-Fal-File-Name"))
        content_type = req.headers.get("Content-Type", "application/octet-stream")
        url = f"{self.s.base_url}/files/{self.s.files.put_upload(req.body, name, content_type)}"
        self.s.stats.uploaded(UploadRecord(url, name, content_type, len(req.body), "fal_v3", req.auth_scheme))
        return json_reply(200, {"access_url": url})

    def initiate(self, req: Request, fault: Fault | None) -> Reply:
        try:
            data = req.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return json_reply(422, {"detail": "Expected a JSON object with file_name and content_type"})
        content_type = str(data.get("content_type") or "application/octet-stream")
        upload_id, pending = self.s.files.initiate(data.get("file_name"), content_type)
        base = self.s.base_url
        return json_reply(
            200,
            {
                "upload_url": f"{base}/storage/upload/put/{upload_id}",
                "file_url": f"{base}/files/{pending.key}",
            },
        )

    def put_upload(self, req: Request, fault: Fault | None) -> Reply:
        upload_id = req.path.rsplit("/", 1)[-1]
        pending = self.s.files.complete(upload_id, req.body, req.headers.get("Content-Type"))
        if pending is None:
            return not_found("Upload")
        url = f"{self.s.base_url}/files/{pending.key}"
        content_type = req.headers.get("Content-Type") or pending.content_type
        record = UploadRecord(url, pending.file_name, content_type, len(req.body), "storage", req.auth_scheme)
        self.s.stats.uploaded(record)
        return Reply(200)

    def download(self, req: Request, fault: Fault | None) -> Reply:
        stored = self.s.files.get(req.path[len("/files/") :])
        if stored is None:
            return not_found("File")
        return Reply(200, stored.data, {"Content-Type": stored.content_type, "Accept-Ranges": "bytes"})
