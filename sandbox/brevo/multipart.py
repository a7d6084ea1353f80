"""multipart/form-data bodies (`POST /companies/import`) read with the standard library."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP


class MultipartError(ValueError):
    pass


def parse_multipart(raw_body: bytes, content_type: str) -> dict[str, str | bytes]:
    """`{field name: value}`: file parts as bytes, other parts as text."""
    if "boundary=" not in content_type:
        raise MultipartError("multipart/form-data without a boundary")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw_body
    )
    if not message.is_multipart():
        raise MultipartError("the body is not multipart")
    fields: dict[str, str | bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise MultipartError("a part without a name")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            fields[name] = data
        else:
            fields[name] = data.decode(part.get_content_charset() or "utf-8")
    return fields
