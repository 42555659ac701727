/** Platforms: many users' virtual clusters side by side, each a tenant (pure; no Pulumi here). */
export * from "./types";
export { userPath } from "./errors";
export { planPlatform, resolvePlatformSettings, PLAN_PASSWORD_PLACEHOLDER, type PlatformPlan, type TenantPlan, type ResolvedPlatformSettings } from "./plan";
export { allocateNodePorts, blockCount, homeBlock, blockLayout, checkAllocationOptions, BLOCK_OFFSETS, FIRST_EXTRA_OFFSET, type PortRequest, type PortWant, type TenantNodePorts, type AllocationOptions } from "./ports";
export { resolveQuota, checkQuotaFit, renderResourceQuota, renderLimitRange, formatQuantity, type ResolvedQuota, type DefaultRequest } from "./quota";
export { renderNetworkPolicies, defaultDenyPolicyName, type NetworkIsolationOptions } from "./network";
export { resolveStorage, renderStorageClaim, renderVirtualStorage, storageClaimName, VIRTUAL_STORAGE_CLASS, type ResolvedStorage } from "./storage";
export { parsePlatformFile, PLATFORM_KIND, PLATFORM_API_VERSION, type PlatformFile } from "./file";
export { renderPlatformFiles, renderNodePortsFile, renderSecretReferences, PLATFORM_DIR, type PlatformFilesOptions } from "./files";
export { requirePassword, setPasswordCommand, PASSWORDS_CONFIG_KEY } from "./secrets";
