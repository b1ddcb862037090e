"""gunicorn settings for Meridian, read from the working directory by default: `make run`,
the README's production command and tests/e2e all start gunicorn from the repository.
Command-line flags override what is set here."""
# Load the app once in the master and warm it there (directory/warmup.py): every worker is
# a fork that starts warm, also after --max-requests recycles one. Measured in
# bench/first_request.py; the figures are in the README.
preload_app = True


import gc


def _warm(app, logger) -> None:
    from directory.warmup import warm

    spent = warm(app)
    logger.info("Warmed up before taking requests: %s", ", ".join(f"{k} {v:.2f} s" for k, v in spent.items()))


def when_ready(server):
    if server.cfg.preload_app:
        _warm(server.app.wsgi(), server.log)
        # What the master built lives as long as the workers: keep the collector off it, so
        # a worker's first collection does not walk (and copy) every object of the index.
        gc.collect()
        gc.freeze()


def post_worker_init(worker):
    if not worker.cfg.preload_app:  # preloading turned off: each worker warms itself
        _warm(worker.wsgi, worker.log)

