/**
 * The suggestion service: Katib's `Suggestion` API as a port, and its in-process implementation
 * serving the algorithm registry. The controller talks only to {@link SuggestionService}; a gRPC
 * client to a Katib-compatible algorithm service implements the same port.
 *
 * ```ts
 * import { InProcessSuggestionService } from './suggestion/index.js';
 * const suggestions = new InProcessSuggestionService();
 * await suggestions.validateAlgorithmSettings(experiment);
 * const { assignments, state } = await suggestions.getSuggestions({
 *   experiment, trials: [], currentRequestNumber: 3, totalRequestNumber: 3,
 * });
 * ```
 */
export type {
  CallOptions,
  GetSuggestionsReply,
  GetSuggestionsRequest,
  SuggestedTrial,
  SuggestionDeployment,
  SuggestionService,
} from './suggestion-service.js';
export { InProcessSuggestionService, type InProcessSuggestionServiceOptions } from './in-process.js';
export {
  SuggestionServer,
  SUGGESTION_HEALTH_SERVICE,
  DEFAULT_SUGGESTION_PORT,
  type SuggestionServerOptions,
} from './grpc-server.js';
export {
  GrpcSuggestionService,
  DEFAULT_SUGGESTION_DEADLINE_MS,
  type GrpcSuggestionServiceOptions,
} from './grpc-client.js';
export * from './proto-convert.js';
export * from './suggestion-config.js';
export {
  SuggestionProcess,
  freePort,
  type ConnectSuggestionService,
  type ExternalSuggestionClient,
  type SuggestionProcessOptions,
  type SuggestionProcessState,
} from './suggestion-process.js';
export {
  RoutingSuggestionService,
  type RoutingSuggestionServiceOptions,
  type SuggestionRoute,
} from './routing.js';
