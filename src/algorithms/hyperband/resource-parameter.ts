/**
 * The parameter that carries the resource (Katib's `resource_name`, e.g. epochs): multi-fidelity
 * algorithms set it per rung instead of sampling it. A rung's resource is a real number
 * (`R · eta^-k`); the trial gets the nearest feasible value — rounded to the step grid for `int`
 * and stepped `double` parameters, clamped into `[min, max]`.
 */
import type { Assignment, ParameterSpace, SearchSpace } from '../../api/search-space.js';
import { createSpaceCodec, type SpaceCodec } from '../codec/space-codec.js';

/** The resource parameter of a space. */
export class ResourceParameter {
  private readonly codec: SpaceCodec;

  private constructor(readonly parameter: ParameterSpace) {
    this.codec = createSpaceCodec([parameter]);
  }

  /**
   * The resource parameter `name` of `space`.
   * @throws Error when the space has no int or double parameter of that name (validation rejects
   * such an experiment first).
   */
  static of(space: SearchSpace, name: string): ResourceParameter {
    const p = space.find((q) => q.name === name);
    if (!p || (p.type !== 'int' && p.type !== 'double'))
      throw new Error(`resource parameter ${name} is not an int or double parameter of the search space`);
    return new ResourceParameter(p);
  }

  /** The parameter's name. */
  get name(): string {
    return this.parameter.name;
  }

  /** The feasible value nearest to `resource` (rounded to the step grid, clamped into the range). */
  valueOf(resource: number): number {
    const v = this.codec.decode(this.codec.encode({ [this.parameter.name]: resource }))[this.parameter.name];
    return typeof v === 'number' ? v : Number(v);
  }

  /** `assignment` with the resource set to the feasible value nearest to `resource`. */
  withResource(assignment: Assignment, resource: number): Assignment {
    return { ...assignment, [this.parameter.name]: this.valueOf(resource) };
  }
}
