/**
 * One user mistake, located by its field path in Katib's notation, e.g.
 * `spec.parameters[2].feasibleSpace.max`, and the rule it breaks.
 */
export interface FieldError {
  /** Dotted path with `[i]` indices, as Kubernetes' `field.Path` prints it. */
  readonly path: string;
  /** The rule that is broken, phrased for a person: "must be less than max (0.05)". */
  readonly message: string;
  /** The offending value, when showing it helps. */
  readonly value?: unknown;
}

/** Formats a field error as one line: `path: message`. */
export function formatFieldError(e: FieldError): string {
  return `${e.path}: ${e.message}`;
}

/** Builds field paths the way Kubernetes' `field.NewPath(...).Child(...).Index(...)` does. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  /** The root of a path, e.g. `FieldPath.root('spec')`. */
  static root(name: string): FieldPath {
    return new FieldPath(name);
  }

  /** A named child: `spec` → `spec.parameters`. */
  child(name: string): FieldPath {
    return new FieldPath(this.text === '' ? name : `${this.text}.${name}`);
  }

  /** A list element: `spec.parameters` → `spec.parameters[2]`. */
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  /** A map key: `metadata.labels` → `metadata.labels[app]`. */
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  /** A field error at this path. */
  error(message: string, value?: unknown): FieldError {
    return value === undefined ? { path: this.text, message } : { path: this.text, message, value };
  }

  /** The path as text. */
  toString(): string {
    return this.text;
  }
}
