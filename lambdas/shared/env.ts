/** Reads a variable the stack sets on the function; a missing one is a deployment error, said plainly. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set; the stack sets it on every worker`);
  }
  return value;
}

/** Epoch seconds `days` from `now`, for DynamoDB TTL attributes. */
export function expiresInDays(days: number, now = Date.now()): number {
  return Math.floor(now / 1000) + days * 86_400;
}
