{{- define "facade.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "facade.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "facade.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: klantinteracties
{{- end -}}

{{- define "facade.labels" -}}
{{ include "facade.commonLabels" . }}
{{ include "facade.selectorLabels" . }}
{{- end -}}

{{- define "facade.redisLabels" -}}
{{ include "facade.commonLabels" . }}
{{ include "facade.redisSelectorLabels" . }}
{{- end -}}

{{- define "facade.selectorLabels" -}}
app.kubernetes.io/name: {{ include "facade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end -}}

{{- define "facade.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "facade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: cache
{{- end -}}

{{- define "facade.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "facade.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The façade's configuration: the given values, pointed at the chart's Redis when it runs one. */}}
{{- define "facade.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- if .Values.redis.enabled -}}
{{- $_ := set $config "cache" (dict "backend" "redis" "url" (dict "env" "FACADE_REDIS_URL")) -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}
