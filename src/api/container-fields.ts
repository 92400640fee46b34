/**
 * The fields of a Kubernetes `corev1.Container` (k8s.io/api core/v1 `Container`). Katib decodes
 * container specs into that Go struct, so these names are accepted wherever a container appears
 * (a trial template's pod spec, a katib-config suggestion entry) and any other name is an unknown
 * field.
 */
export const CONTAINER_FIELDS: readonly string[] = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
];
