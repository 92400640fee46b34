/**
 * Katib's Suggestion service as a port (api.proto `Suggestion`): the one seam between the
 * controller and every algorithm. Implemented in-process (default) and over gRPC.
 */
import type {
  AlgorithmSetting,
  AlgorithmState,
  Experiment,
  ParameterAssignment,
  TrialView,
} from '../api/index.js';

/** Katib's GetSuggestionsRequest, in domain types. */
export interface GetSuggestionsRequest {
  /** The experiment; its algorithm settings already overlaid with `state.algorithmSettings`. */
  readonly experiment: Experiment;
  /** Every trial of the experiment except MetricsUnavailable ones (as Katib sends them). */
  readonly trials: readonly TrialView[];
  /** How many new assignments are wanted now. */
  readonly currentRequestNumber: number;
  /** Assignments wanted in total so far (Katib's Suggestion `spec.requests`). */
  readonly totalRequestNumber: number;
  /** Durable state from the last call (in-process transport only; gRPC carries settings instead). */
  readonly state?: AlgorithmState;
}

/** One new assignment. */
export interface SuggestedTrial {
  readonly parameterAssignments: readonly ParameterAssignment[];
  /** Optional trial name the algorithm chose (pbt). */
  readonly trialName?: string;
  /** Labels to add to the trial (pbt generation, hyperband bracket…). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Katib's GetSuggestionsReply, in domain types. */
export interface GetSuggestionsReply {
  /**
   * Exactly `currentRequestNumber` assignments, or fewer when the search space is exhausted
   * (then the controller ends the experiment with ExperimentSuggestionEndReached once idle) or
   * the algorithm waits for running trials (a hyperband rung, a pbt generation).
   */
  readonly assignments: readonly SuggestedTrial[];
  /**
   * For a short reply: `true` when the algorithm has nothing more to suggest, `false` when it
   * waits for running trials. Undefined when the transport cannot tell (Katib's gRPC reply has no
   * such field): the controller then reads a short reply as exhausted only when no trial is active.
   */
  readonly exhausted?: boolean;
  /** Settings to merge into the state's `algorithmSettings` (Katib's reply `algorithm`). */
  readonly algorithmSettings?: readonly AlgorithmSetting[];
  /** New durable state (in-process transport). */
  readonly state?: AlgorithmState;
}

/** Per-call options. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Deadline in milliseconds from now. */
  readonly deadlineMs?: number;
}

/**
 * The state of a service process started for an algorithm (what Katib's Deployment is to a
 * Suggestion): reported as the Suggestion's `DeploymentReady` condition.
 */
export interface SuggestionDeployment {
  /** The process is up and its health service reports SERVING. */
  readonly ready: boolean;
  /** What runs where (command, address, pid), or why it is not ready. */
  readonly message: string;
}

/** The Suggestion service. */
export interface SuggestionService {
  getSuggestions(req: GetSuggestionsRequest, opts?: CallOptions): Promise<GetSuggestionsReply>;
  /** Resolves when the experiment's algorithm and settings are valid; rejects with SpecError otherwise. */
  validateAlgorithmSettings(experiment: Experiment, opts?: CallOptions): Promise<void>;
  /**
   * For services that start a process per algorithm: its state, as of the last call. Undefined
   * when nothing was started for `algorithmName` (in-process, or an endpoint running elsewhere).
   */
  deploymentStatus?(algorithmName: string): SuggestionDeployment | undefined;
  /**
   * True when `getSuggestions` for `algorithmName` computes its reply on the caller's thread before
   * it returns (the in-process service): nothing it waits on can hang, and a deadline could not
   * interrupt it anyway, so callers may skip arming one. Absent or false: arm the deadline.
   */
  computesOnCallerThread?(algorithmName: string): boolean;
}
