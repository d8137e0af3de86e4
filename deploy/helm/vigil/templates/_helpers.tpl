{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "vigil.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified app name: release-chart, or the release alone when it already names the chart. */}}
{{- define "vigil.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "vigil.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the pods; never change them on upgrade. */}}
{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "vigil.labels" -}}
helm.sh/chart: {{ include "vigil.chart" . }}
{{ include "vigil.selectorLabels" . }}
app.kubernetes.io/version: {{ (.Values.image.tag | default .Chart.AppVersion) | toString | trunc 63 | quote }}
app.kubernetes.io/component: server
app.kubernetes.io/part-of: vigil
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "vigil.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "vigil.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name: name an existing service account when serviceAccount.create is false (not \"default\")" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag, or repository:tag@digest when image.digest is set. */}}
{{- define "vigil.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString -}}
{{- with .Values.image.digest -}}
{{- if not (regexMatch "^sha256:[0-9a-f]{64}$" .) -}}
{{- fail (printf "image.digest: want sha256:<64 hex digits>, not %q" .) -}}
{{- end -}}
{{- printf "%s:%s@%s" $.Values.image.repository $tag . -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* http or https, for the probes and the port name. */}}
{{- define "vigil.scheme" -}}
{{- if .Values.server.tls.secretName -}}HTTPS{{- else -}}HTTP{{- end -}}
{{- end -}}

{{/*
GOMEMLIMIT from resources.limits.memory (Ki, Mi, Gi, Ti or plain bytes) times
goMemLimitRatio, in MiB; empty when either is unset or the quantity has
another form.
*/}}
{{- define "vigil.goMemLimit" -}}
{{- $limit := "" -}}
{{- with .Values.resources -}}{{- with .limits -}}{{- with .memory -}}{{- $limit = toString . -}}{{- end -}}{{- end -}}{{- end -}}
{{- $ratio := .Values.goMemLimitRatio | default 0 | float64 -}}
{{- if and $limit (gt $ratio 0.0) -}}
{{- $mib := 0.0 -}}
{{- if regexMatch "^[0-9]+Ki$" $limit -}}{{- $mib = divf (trimSuffix "Ki" $limit | float64) 1024 -}}
{{- else if regexMatch "^[0-9]+Mi$" $limit -}}{{- $mib = trimSuffix "Mi" $limit | float64 -}}
{{- else if regexMatch "^[0-9]+Gi$" $limit -}}{{- $mib = mulf (trimSuffix "Gi" $limit | float64) 1024 -}}
{{- else if regexMatch "^[0-9]+Ti$" $limit -}}{{- $mib = mulf (trimSuffix "Ti" $limit | float64) 1048576 -}}
{{- else if regexMatch "^[0-9]+$" $limit -}}{{- $mib = divf ($limit | float64) 1048576 -}}
{{- end -}}
{{- $v := mulf $mib $ratio | floor | int -}}
{{- if gt $v 0 -}}{{ $v }}MiB{{- end -}}
{{- end -}}
{{- end -}}
