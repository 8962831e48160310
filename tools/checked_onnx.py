"""What the setup-time preparation tools share: the command line, the error
report and writing a prepared ONNX model only after it passed its check."""

import os
import sys
import tempfile

import onnx


class PreparationError(Exception):
    """The input cannot be prepared, or the result failed its check."""


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


def run_tool(name, usage, argv, prepare):
    """`name IN OUT`: calls prepare(IN, OUT), which returns what to report;
    exit status 0, 1 on a failure (reported with IN), 2 on a usage error."""
    if len(argv) != 3:
        print(usage, file=sys.stderr)
        return 2
    source, target = argv[1], argv[2]
    try:
        report = prepare(source, target)
    except (PreparationError, OSError, onnx.checker.ValidationError) as e:
        print(f"{name}: {source}: {e}", file=sys.stderr)
        return 1
    print(f"{name}: wrote {target} ({report})")
    return 0
