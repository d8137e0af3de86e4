{{- define "web.name" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}
