import type { AuditActor, OperatorRole } from "@wa/db";

const ROLES: readonly OperatorRole[] = ["viewer", "operator", "admin"];

/** viewer reads; operator also steers (pause, consent, replay, ...); admin also edits policies and accounts. */
export function hasRole(role: OperatorRole, needed: OperatorRole): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export function isRole(s: string): s is OperatorRole {
  return (ROLES as readonly string[]).includes(s);
}

/** The audit actor of everything an operator does: `operator:<name>`. */
export function operatorActor(name: string): AuditActor {
  return `operator:${name}`;
}

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,39}$/;
