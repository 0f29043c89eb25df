// Public surface of dataport/connectors: the Connector SDK arrives with the control-plane issue.
export {};
