"""The server's side of the query workers: start, time out, kill and replace them.

A worker that overruns the time limit is killed, and one that dies is replaced in
the background, so one bad query never takes the server down.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from pathlib import Path
from typing import Any

import anyio.to_thread

from kg.errors import StoreError
from kg.serve.worker import Job, Reply, text_reply, worker_main

log = logging.getLogger("kg.serve")

_STARTUP_TIMEOUT = 60.0


class _Timeout(Exception):
    pass


class _Gone(Exception):
    """The worker was dead before it got the job."""


class _Worker:
    def __init__(self, ctx: Any, store_path: Path, memory: int | None) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=worker_main,
            args=(child, str(store_path), memory),
            name="kg-serve-worker",
            daemon=True,
        )
        self.process.start()
        child.close()
        try:
            if not self.conn.poll(_STARTUP_TIMEOUT):
                raise StoreError(f"a query worker did not start within {_STARTUP_TIMEOUT:.0f} s")
            status, detail = self.conn.recv()
        except (EOFError, OSError) as err:
            self.kill()
            raise StoreError(f"a query worker died while opening {store_path}") from err
        except StoreError:
            self.kill()
            raise
        if status != "ready":
            self.kill()
            raise StoreError(f"{detail}; run kg build first")

    async def call(self, job: Job, timeout: float) -> Reply:
        """Hand ``job`` over and wait for the reply on the event loop (no thread per call)."""
        try:
            self.conn.send(job)  # a few KiB at most, taken at once by the idle worker
        except OSError as err:
            raise _Gone from err
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = self.conn.fileno()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, readable)
        try:
            await asyncio.wait_for(ready, timeout)
        except asyncio.TimeoutError:
            raise _Timeout from None
        finally:
            loop.remove_reader(fd)
        # uvloop leaves a watched descriptor non-blocking, and a reply larger than the
        # pipe's buffer then fails half-read; the worker writes its whole reply at once,
        # so a blocking read takes no longer than copying
        os.set_blocking(fd, True)
        return self.conn.recv()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class Pool:
    """Worker processes; a killed or crashed one is replaced in the background."""

    def __init__(self, store_path: Path, size: int, timeout: float, memory: int | None) -> None:
        self.store_path, self.size, self.timeout, self.memory = store_path, size, timeout, memory
        self.ctx = multiprocessing.get_context("forkserver")
        # forked from a server process that has pyoxigraph loaded: a respawn takes milliseconds
        self.ctx.set_forkserver_preload(["kg.serve.worker"])
        self.idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self.workers: set[_Worker] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.closed = False
        self.restarts = 0

    async def start(self) -> None:
        for _ in range(self.size):
            worker = await anyio.to_thread.run_sync(_Worker, self.ctx, self.store_path, self.memory)
            self._add(worker)

    def _add(self, worker: _Worker) -> None:
        self.workers.add(worker)
        # the sentinel becomes readable when the process ends: a worker that dies
        # while idle is replaced at once, not when the next query finds it dead
        loop = asyncio.get_running_loop()
        loop.add_reader(worker.process.sentinel, self._replace, worker, "exited")
        self.idle.put_nowait(worker)

    async def run(self, job: Job) -> Reply:
        while True:
            try:
                worker = await asyncio.wait_for(self.idle.get(), self.timeout)
            except asyncio.TimeoutError:
                return text_reply(
                    503,
                    f"all {self.size} query workers stayed busy for {self.timeout:g} s; "
                    "retry later",
                )
            if worker in self.workers and worker.process.is_alive():
                break
            self._replace(worker, "died while idle")  # a no-op if already replaced
        try:
            reply = await worker.call(job, self.timeout)
        except asyncio.CancelledError:  # the reply would be left in the pipe: start afresh
            self._replace(worker, "was abandoned")
            raise
        except _Gone:  # the query never reached it, so it can go to another worker
            self._replace(worker, "died while idle")
            return await self.run(job)
        except _Timeout:
            self._replace(worker, "timed out")
            return text_reply(
                503,
                f"query stopped after the time limit of {self.timeout:g} s; "
                "narrow the pattern or add a LIMIT",
            )
        except (EOFError, OSError):
            self._replace(worker, "crashed")
            return text_reply(
                500,
                "the query engine crashed or ran out of memory on this query "
                "(its worker was restarted); simplify it or add a LIMIT",
            )
        self.idle.put_nowait(worker)
        return reply

    def _replace(self, worker: _Worker, why: str) -> None:
        if worker not in self.workers:
            return
        self.workers.discard(worker)
        loop = asyncio.get_running_loop()
        loop.remove_reader(worker.process.sentinel)
        if self.closed:
            return
        log.warning("query worker %s %s; starting a new one", worker.process.pid, why)
        self.restarts += 1
        task = loop.create_task(self._respawn(worker))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _respawn(self, old: _Worker) -> None:
        await anyio.to_thread.run_sync(old.kill)
        while not self.closed:
            try:
                worker = await anyio.to_thread.run_sync(
                    _Worker, self.ctx, self.store_path, self.memory
                )
            except StoreError as err:
                log.error("%s; retrying in 2 s", err)
                await asyncio.sleep(2)
                continue
            if self.closed:
                worker.kill()
                return
            self._add(worker)
            return

    async def close(self) -> None:
        self.closed = True
        for task in list(self.tasks):
            task.cancel()
        workers, self.workers = list(self.workers), set()
        loop = asyncio.get_running_loop()
        for worker in workers:
            loop.remove_reader(worker.process.sentinel)
            worker.conn.close()  # an idle worker exits on EOF
        for worker in workers:
            await anyio.to_thread.run_sync(worker.process.join, 2)
            if worker.process.is_alive():
                worker.process.kill()
                await anyio.to_thread.run_sync(worker.process.join, 2)
