import { z } from 'zod';
import type { RuleActions, RuleConditions } from './rules.js';

/*
 * The checks a rule passes at the API boundary. They live apart from rules.ts so the sync and index workers, which
 * only evaluate rules, do not load the validator.
 */

export const ruleConditionsSchema: z.ZodType<RuleConditions> = z
  .object({
    to: z.array(z.string().min(1)).optional(),
    from: z.array(z.string().min(1)).optional(),
    subjectContains: z.array(z.string().min(1)).optional(),
    bodyContains: z.array(z.string().min(1)).optional(),
    hasAttachment: z.boolean().optional(),
    account: z.string().min(1).optional(),
    folder: z.string().min(1).optional(),
  })
  .strict();

export const ruleActionsSchema: z.ZodType<RuleActions> = z
  .object({
    setSubject: z.number().int().positive().optional(),
    markReviewed: z.boolean().optional(),
    setOnControl: z.boolean().optional(),
    tags: z.array(z.string().min(1).max(100)).optional(),
  })
  .strict();
