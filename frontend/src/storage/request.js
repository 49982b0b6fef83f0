// The storage's one way to the API: a GraphQL request whose errors come back typed as the API
// named them (ValidationError, ConflictError, NotFoundError, Unauthorized...), or marked
// offline when the request never left the browser. Every read and write of the storage goes
// through it, so the app meets an API error the same way whatever asked.

/** An error the API returned (ValidationError, ConflictError, NotFoundError, Unauthorized...). */
export class StorageError extends Error {
  constructor({ errorType, message, errorInfo, originalError }) {
    super(message || errorType || 'storage request failed');
    this.name = errorType || 'StorageError';
    this.errorType = errorType;
    this.errorInfo = errorInfo ?? null;
    // The request never reached the API (no network): the save waits in the outbox.
    this.offline = originalError?.name === 'NetworkError';
  }
}

/** One GraphQL request through Amplify's `client`; API errors become StorageError with the
 * server's type and info. */
export async function graphqlRequest(client, query, variables) {
  try {
    const response = await client.graphql({ query, variables });
    return response.data;
  } catch (error) {
    const first = error?.errors?.[0];
    if (first) throw new StorageError(first);
    throw error;
  }
}
