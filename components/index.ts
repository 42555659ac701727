export * from "./vk8sCluster";
export * from "./federatedLearning";
export { SshKeyPair } from "./sshKeyPair";
export * from "./platform";
