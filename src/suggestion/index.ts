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
  SuggestionService,
} from './suggestion-service.js';
export { InProcessSuggestionService, type InProcessSuggestionServiceOptions } from './in-process.js';
