"""Forms of the account pages. They only collect input: rules live in services.py."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ApiToken


class ServiceErrorsForm(forms.Form):
    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's errors next to their fields (the others above the form)."""
        for field, errors in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class SignUpForm(ServiceErrorsForm):
    identifier = forms.CharField(
        label=_("电子邮箱或手机号"), max_length=254,
        help_text=_("可使用电子邮箱或 11 位中国大陆手机号登录"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    full_name = forms.CharField(label=_("姓名"), max_length=100,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class LoginForm(forms.Form):
    # The field is called `username` so django-axes reads the identifier (AXES_USERNAME_FORM_FIELD).
    username = forms.CharField(
        label=_("电子邮箱或手机号"), max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"), max_length=16,
        help_text=_("身份验证器应用显示的 6 位数字"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


class TokenForm(ServiceErrorsForm):
    name = forms.CharField(label=_("令牌名称"), max_length=100, required=False,
                           help_text=_("用于区分不同脚本，例如“数据同步”"))
    scope = forms.ChoiceField(label=_("权限"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ,
                              help_text=_("只读令牌只能查询，不能修改任何数据"))
    otp_code = forms.CharField(label=_("身份验证器验证码"), max_length=10, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
                               help_text=_("工作人员账号签发令牌须重新验证"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or not user.needs_two_factor:
            del self.fields["otp_code"]
        else:
            self.fields["otp_code"].required = True


class ProfileForm(ServiceErrorsForm):
    full_name = forms.CharField(label=_("姓名"), max_length=100,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))


class SmsCodeForm(ServiceErrorsForm):
    code = forms.CharField(
        label=_("短信验证码"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


class MobileForm(ServiceErrorsForm):
    mobile = forms.CharField(
        label=_("手机号"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}),
    )


class MobileResetForm(SmsCodeForm):
    password = forms.CharField(label=_("新密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
