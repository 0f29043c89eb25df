// Public surface of dataport/policies: the ODRL policy engine and the compliance engine arrive
// with the control-plane and compliance issues.
export {};
