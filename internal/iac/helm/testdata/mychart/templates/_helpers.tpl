{{- define "mychart.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
