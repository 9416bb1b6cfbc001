"""`ewn worker`, except that it hangs (holding its lease and a row lock) on the first message
whose text starts with STALL: the test then kills it with SIGKILL mid-job.

Run as: python -m tests.helpers.stalling_worker, with EWN_* settings and STALL_MARKER set.
"""

from __future__ import annotations

import os
import time

from ewn import create_app
from ewn.models import InboundMessage
from ewn.worker import STAGES, Worker, load_stages


def main() -> None:
    app = create_app()
    marker = os.environ["STALL_MARKER"]
    with app.app_context():
        rt = app.extensions["ewn"]
        load_stages()
        real_stage = STAGES["message"]

        def stalling(job):
            with rt.db.session() as session:
                message = session.get(InboundMessage, job.subject_id, with_for_update=True)
                if message.body.startswith("STALL") and not os.path.exists(marker):
                    with open(marker, "w") as handle:
                        handle.write(str(os.getpid()))
                    time.sleep(3600)
            real_stage(job)

        STAGES["message"] = stalling
        worker = Worker(rt)
        worker.install_signal_handlers()
        worker.run()


if __name__ == "__main__":
    main()
