variable "env" {
  type    = string
  default = "prod"
}

variable "cidr" {
  description = "allowed range"
}

locals {
  name   = "logs-${var.env}"
  tags   = merge({ Env = var.env }, { Name = local.name })
  ports  = [22, 443]
}
