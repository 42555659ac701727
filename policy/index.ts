/**
 * The vk8s policy pack, run in `pulumi preview --policy-pack policy` (see README.md).
 * Every policy is a stack policy: most need several resources (a pod and its namespace, a
 * vNode and its boot ConfigMap, a namespace and its quota). The checks are the pure
 * functions of `rules.ts`; this file only hands them to the analyzer.
 */
import { PolicyPack, type StackValidationPolicy } from "@pulumi/policy";
import { RULES, type StackRule } from "./rules";

function toPolicy(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
      const resources = args.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.props }));
      for (const v of rule.check(resources)) reportViolation(v.message, v.urn);
    },
  };
}

new PolicyPack("vk8s", { policies: RULES.map(toPolicy) });
