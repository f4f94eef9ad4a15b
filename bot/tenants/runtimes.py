"""A Runtime per tenant, built when first needed and rebuilt when its record changes: the web app
routes events with it, the worker binds it around each job of that tenant. No restart for a new tenant."""

from __future__ import annotations

from rq import Queue
from rq.job import Job

from bot.ops.worker import MeteredWorker
from bot.queue.jobs import job_tenant, make_queue
from bot.runtime import Runtime, bound
from bot.services import Services
from bot.tenants.model import BASE, Tenant, route, tenant_settings
from bot.tenants.registry import TenantRegistry


class TenantRuntimes:
    def __init__(self, base: Runtime) -> None:
        self.base = base
        self.registry = TenantRegistry(base.redis, base.settings)
        self._built: dict[str, tuple[Tenant, Runtime]] = {}

    def get(self, slug: str) -> Runtime | None:
        """The tenant's runtime (the base one for ""); None for a slug never registered."""
        if slug == BASE:
            return self.base
        tenant = self.registry.cached().get(slug) or self.registry.cached(force=True).get(slug)
        return None if tenant is None else self._runtime(tenant)

    def _runtime(self, tenant: Tenant) -> Runtime:
        built = self._built.get(tenant.slug)
        if built is not None and built[0] == tenant:
            return built[1]
        settings = tenant_settings(self.base.settings, tenant)
        client = self.base.redis
        runtime = Runtime(settings, client, make_queue(client, settings),
                          Services(client, settings, shared=self.base.services))
        self._built[tenant.slug] = (tenant, runtime)
        return runtime

    def for_event(self, app_id: str, oa_id: str) -> tuple[Runtime, bool]:
        """The runtime an event for (app_id, oa_id) belongs to, and whether that tenant is enabled.
        An OA id not yet known re-reads the registry at once: a tenant added a moment ago is found."""
        tenant = route(self.registry.cached().values(), app_id, oa_id)
        if tenant is None and oa_id and oa_id != self.base.settings.zalo_oa_id:
            tenant = route(self.registry.cached(force=True).values(), app_id, oa_id)
        if tenant is None:
            return self.base, True
        return self._runtime(tenant), tenant.enabled

    def active(self) -> list[Runtime]:
        """The base runtime and every enabled tenant's: what the worker's recovery loops walk."""
        return [self.base, *(self._runtime(t) for t in self.registry.cached().values() if t.enabled)]


class TenantWorker(MeteredWorker):
    """Runs each job inside its tenant's runtime (the job's meta names it; bot.queue.jobs.TenantQueue)."""

    runtimes: TenantRuntimes

    def perform_job(self, job: Job, queue: Queue) -> bool:
        slug = job_tenant(job)
        if slug == BASE:
            return super().perform_job(job, queue)
        runtime = self.runtimes.get(slug)
        if runtime is None:  # a tenant that was never registered here: fail the job, visibly
            self.handle_job_failure(job, queue=queue, exc_string=f"unknown tenant {slug!r}")
            return False
        with bound(runtime):
            return super().perform_job(job, queue)
