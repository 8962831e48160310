"""Writes a prepared ONNX model only after it passed its check (shared by the
setup-time preparation tools)."""

import os
import tempfile


def write_checked(model, target, check):
    """Serialises `model` deterministically next to `target`, calls
    `check(path)` on that file and renames it to `target` when the check
    returns; returns what the check returned. On any exception the work file
    is removed and `target` is left untouched."""
    out_dir = os.path.dirname(os.path.abspath(target))
    fd, work = tempfile.mkstemp(prefix=".prepared.", suffix=".onnx", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(model.SerializeToString(deterministic=True))
        result = check(work)
        os.replace(work, target)
        return result
    finally:
        if os.path.exists(work):
            os.unlink(work)
