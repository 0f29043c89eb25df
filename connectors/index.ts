// Public surface of dataport/connectors.
export { SignedClient, GatewayError, type SignedResponse } from './signed-http.js';
