"""A quiet console logger for Dagster runs: one line per step start/finish, failed checks and warnings,
instead of Dagster's full debug event stream. Used by `aicost run` and the nightly job."""

import logging
import sys
import time

import dagster as dg
from dagster._core.log_manager import get_log_record_metadata, has_log_record_metadata


class _StepProgressHandler(logging.Handler):
    def __init__(self, stream, message_level: int) -> None:
        super().__init__(level=logging.DEBUG)
        self.stream = stream
        self.message_level = message_level
        self.started = time.monotonic()
        self.step_started: dict[str, float] = {}

    def _write(self, text: str) -> None:
        self.stream.write(f"[{time.monotonic() - self.started:7.1f}s] {text}\n")
        self.stream.flush()

    def emit(self, record: logging.LogRecord) -> None:
        meta = get_log_record_metadata(record) if has_log_record_metadata(record) else None
        event = meta["dagster_event"] if meta else None
        if event is None:
            if record.levelno >= self.message_level:
                step = meta["step_key"] if meta else None
                message = meta["orig_message"] if meta else record.getMessage()
                self._write(f"{step + ': ' if step else ''}{message}")
            return
        step = event.step_key or ""
        kind = event.event_type_value
        if kind == "STEP_START":
            self.step_started[step] = time.monotonic()
            self._write(f"{step} ...")
        elif kind == "STEP_SUCCESS":
            elapsed = time.monotonic() - self.step_started.get(step, self.started)
            self._write(f"{step} done ({elapsed:.1f}s)")
        elif kind == "STEP_FAILURE":
            error = event.step_failure_data.error if event.step_failure_data else None
            self._write(f"{step} FAILED: {error.message.strip() if error else ''}")
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                self._write(
                    f"check failed ({evaluation.severity.value.lower()}): "
                    f"{evaluation.asset_key.to_user_string()} / {evaluation.check_name}"
                )


@dg.logger(
    config_schema={"log_level": dg.Field(str, default_value="WARNING", is_required=False)},
    description="Concise progress on stderr: steps, failed checks, warnings.",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("aicost.progress")
    # Engine events (step start/finish) are DEBUG records: let them through and filter in the handler.
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    message_level = logging.getLevelName(init_context.logger_config["log_level"].upper())
    logger.handlers = [_StepProgressHandler(sys.stderr, message_level)]
    return logger
