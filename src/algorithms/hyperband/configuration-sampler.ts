/**
 * New configurations for multi-fidelity algorithms: every parameter but the resource is drawn as
 * random search draws it (the shared codec and `drawPoint`, Katib's distributions), the resource is
 * set. A draw whose configuration (the parameters other than the resource) is already taken is
 * redrawn a few times, so a finite space is not spent on repeats while it has room.
 */
import type { Assignment, SearchSpace } from '../../api/search-space.js';
import { createSpaceCodec, type SpaceCodec } from '../codec/space-codec.js';
import { drawPoint } from '../random/index.js';
import type { Rng } from '../rng.js';
import type { ResourceParameter } from './resource-parameter.js';

/** Redraws of a configuration that is already taken before a repeat is accepted. */
const RETRIES = 32;

/** Draws configurations with a fixed resource value. */
export class ConfigurationSampler {
  private readonly codec: SpaceCodec;
  private readonly others: SearchSpace;

  constructor(
    space: SearchSpace,
    private readonly resource: ResourceParameter,
  ) {
    this.codec = createSpaceCodec(space, { discrete: 'index' });
    this.others = space.filter((p) => p.name !== resource.name);
  }

  /** A text key of the configuration of `a`: every parameter but the resource, in space order. */
  configurationKey(a: Assignment): string {
    return this.others.map((p) => String(a[p.name])).join('\u001f');
  }

  /**
   * A random configuration with the resource set to (the feasible value nearest) `resource`,
   * avoiding configurations for which `taken` holds while that takes at most {@link RETRIES}
   * redraws.
   */
  draw(rng: Rng, resource: number, taken: (configurationKey: string) => boolean): Assignment {
    let a = this.resource.withResource(this.codec.decode(drawPoint(this.codec, rng)), resource);
    for (let i = 0; i < RETRIES && taken(this.configurationKey(a)); i++) {
      a = this.resource.withResource(this.codec.decode(drawPoint(this.codec, rng)), resource);
    }
    return a;
  }
}
