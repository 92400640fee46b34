/**
 * grpc.health.v1.Health as Katib's services answer it: `Check(service)` is SERVING for the names
 * this server registered (e.g. `manager.v1beta1.Suggestion`) and for "" (the whole server);
 * unknown names are NOT_FOUND.
 */
import type * as grpc from '@grpc/grpc-js';
import { NotFoundError } from '../api/index.js';
import { loadKatibProto } from './proto.js';
import { unary } from './server.js';

/** Serving status of one service name. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN';

/** The health service of one server. */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>([['', 'SERVING']]);

  /** Sets the status of a service name ("" is the whole server). */
  setStatus(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
  }

  /** Adds the Health service to `server`. */
  addTo(server: grpc.Server): void {
    const { Health } = loadKatibProto();
    server.addService(Health.service, {
      Check: unary((req: { service?: string }) => {
        const status = this.statuses.get(req.service ?? '');
        if (status === undefined) throw new NotFoundError(`unknown service "${req.service ?? ''}"`);
        return { status };
      }),
    });
  }
}
