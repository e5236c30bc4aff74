"""Mutations of the parties domain: input -> service call -> payload."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from graphql_schema.errors import UserError, in_transaction, user_errors
from graphql_schema.ids import decode_id
from graphql_schema.input_guard import column, limited
from graphql_schema.partial import given, kept
from graphql_schema.parties.types import ApiKey, Organization, Role, User
from procurement.errors import DomainError
from procurement.parties import api_keys, auth, organizations, registration, users
from procurement.parties.credentials import IssuedTokens
from procurement.parties.models import ApiKey as ApiKeyModel
from procurement.parties.models import Organization as OrganizationModel
from procurement.parties.models import User as UserModel
from procurement.parties.validation import MAX_PASSWORD
from procurement.unset import UNSET as DOMAIN_UNSET
from procurement.unset import Unset
from procurement.values import Limits


def _tolerance(value: Decimal | None) -> Decimal | Unset:
    """Left out or null: unchanged (a tolerance always has a value; 0 means none)."""
    return DOMAIN_UNSET if value is None or value is strawberry.UNSET else value


# --- inputs -----------------------------------------------------------------------

#: a longer password is refused as WEAK_PASSWORD by the rule; this bounds what is hashed
PASSWORD_LIMITS = Limits(max_length=4 * MAX_PASSWORD)


@strawberry.input
class TokenCreateInput:
    email: str = column(UserModel.email)
    password: str = limited(PASSWORD_LIMITS)


@strawberry.input
class TokenRefreshInput:
    refresh_token: str


@strawberry.input
class OrganizationRegisterInput:
    name: str = column(OrganizationModel.name)
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. DE")
    base_currency: str = strawberry.field(description="ISO 4217, e.g. EUR")
    is_buyer: bool = False
    is_supplier: bool = False
    admin_email: str = column(UserModel.email)
    admin_full_name: str = column(UserModel.full_name)
    admin_password: str = limited(PASSWORD_LIMITS)
    website: str | None = column(OrganizationModel.website, default=None)
    description: str | None = column(OrganizationModel.description, default=None)


@strawberry.input
class OrganizationUpdateInput:
    id: strawberry.ID
    name: str | None = column(OrganizationModel.name, default=strawberry.UNSET)
    country: str | None = strawberry.UNSET
    base_currency: str | None = strawberry.UNSET
    website: str | None = column(OrganizationModel.website, default=strawberry.UNSET)
    description: str | None = column(OrganizationModel.description, default=strawberry.UNSET)
    over_shipment_tolerance: Decimal | None = column(
        OrganizationModel.over_shipment_tolerance,
        default=strawberry.UNSET,
        description="Share above the ordered quantity suppliers may ship (0.05 = 5 %).",
    )
    price_tolerance: Decimal | None = column(
        OrganizationModel.price_tolerance,
        default=strawberry.UNSET,
        description="Share an invoice unit price may differ from the order's.",
    )
    expected_version: int | None = None


@strawberry.input
class UserCreateInput:
    email: str = column(UserModel.email)
    full_name: str = column(UserModel.full_name)
    password: str = limited(PASSWORD_LIMITS)
    roles: list[Role]
    approval_limit: Decimal | None = column(UserModel.approval_limit, default=None)


@strawberry.input
class UserUpdateInput:
    id: strawberry.ID
    full_name: str | None = column(UserModel.full_name, default=strawberry.UNSET)
    roles: list[Role] | None = strawberry.UNSET
    approval_limit: Decimal | None = column(UserModel.approval_limit, default=strawberry.UNSET)
    password: str | None = limited(PASSWORD_LIMITS, default=strawberry.UNSET)
    current_password: str | None = limited(PASSWORD_LIMITS, default=None)
    expected_version: int | None = None


@strawberry.input
class IdInput:
    id: strawberry.ID


@strawberry.input
class ApiKeyCreateInput:
    name: str = column(ApiKeyModel.name)
    roles: list[Role]


@strawberry.input
class SupplierDecisionInput:
    id: strawberry.ID
    reason: str | None = column(OrganizationModel.verification_note, default=None)


@strawberry.input
class SupplierCategoriesSetInput:
    organization_id: strawberry.ID
    category_ids: list[strawberry.ID]


# --- payloads -----------------------------------------------------------------------


@strawberry.type
class TokenPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None
    user: User | None = None
    errors: list[UserError]


@strawberry.type
class OrganizationRegisterPayload:
    organization: Organization | None = None
    user: User | None = None
    errors: list[UserError]


@strawberry.type
class OrganizationPayload:
    organization: Organization | None = None
    errors: list[UserError]


@strawberry.type
class UserPayload:
    user: User | None = None
    errors: list[UserError]


@strawberry.type
class ApiKeyCreatePayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The bearer token for this key. Shown once; store it now.",
    )
    errors: list[UserError]


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey | None = None
    errors: list[UserError]


def _tokens(user: UserModel, tokens: IssuedTokens) -> TokenPayload:
    return TokenPayload(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        access_token_expires_at=tokens.access_expires_at,
        refresh_token_expires_at=tokens.refresh_expires_at,
        user=User.from_model(user, own=True),
        errors=[],
    )


def _org_payload(result: OrganizationModel | None, errors: list[UserError]) -> OrganizationPayload:
    return OrganizationPayload(
        organization=Organization.from_model(result) if result else None,
        errors=errors,
    )


def _user_payload(result: UserModel | None, errors: list[UserError]) -> UserPayload:
    return UserPayload(
        user=User.from_model(result) if result else None,
        errors=errors,
    )


@strawberry.type
class PartiesMutation:
    @strawberry.mutation(description="Sign in with email and password.")
    async def token_create(self, info: Info, input: TokenCreateInput) -> TokenPayload:
        try:
            user, tokens = await auth.create_token(
                info.context.db,
                info.context.settings,
                email=input.email,
                password=input.password,
            )
        except DomainError as exc:
            return TokenPayload(errors=user_errors(exc))
        return _tokens(user, tokens)

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens. The refresh token is spent: "
        "keep the new one. Presenting a spent token again ends that sign-in's session "
        "(SESSION_REVOKED), since it means the token was copied."
    )
    async def token_refresh(self, info: Info, input: TokenRefreshInput) -> TokenPayload:
        try:
            user, tokens = await auth.refresh_token(
                info.context.db, info.context.settings, refresh_token=input.refresh_token
            )
        except DomainError as exc:
            return TokenPayload(errors=user_errors(exc))
        return _tokens(user, tokens)

    @strawberry.mutation(
        description="Self-service sign-up: an organisation and its first "
        "administrator. Suppliers start PENDING verification. Throttled per client "
        "address (TOO_MANY_REQUESTS). An email that already has an account gets the "
        "same answer as a new one, and nothing is changed."
    )
    async def organization_register(
        self, info: Info, input: OrganizationRegisterInput
    ) -> OrganizationRegisterPayload:
        ctx = info.context
        try:
            await registration.admit_registration(
                ctx.db, ctx.settings, ctx.viewer, ctx.client_address
            )
        except DomainError as exc:
            return OrganizationRegisterPayload(errors=user_errors(exc))
        result, errors = await in_transaction(
            info,
            lambda s, v: organizations.register_organization(
                s,
                v,
                name=input.name,
                country=input.country,
                base_currency=input.base_currency,
                is_buyer=input.is_buyer,
                is_supplier=input.is_supplier,
                admin_email=input.admin_email,
                admin_full_name=input.admin_full_name,
                admin_password=input.admin_password,
                website=input.website,
                description=input.description,
            ),
        )
        if result is None:
            return OrganizationRegisterPayload(errors=errors)
        org, user = result
        # the payload's user.organization reads this, whether or not it was stored
        ctx.loaders.organization.prime(org.id, org)
        return OrganizationRegisterPayload(
            organization=Organization.from_model(org, own=True),
            user=User.from_model(user, own=True),
            errors=[],
        )

    @strawberry.mutation
    async def organization_update(
        self, info: Info, input: OrganizationUpdateInput
    ) -> OrganizationPayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: organizations.update_organization(
                s,
                v,
                decode_id(input.id, "Organization"),
                name=kept(input.name),
                country=kept(input.country),
                base_currency=kept(input.base_currency),
                website=given(input.website),
                description=given(input.description),
                over_shipment_tolerance=_tolerance(input.over_shipment_tolerance),
                price_tolerance=_tolerance(input.price_tolerance),
                expected_version=input.expected_version,
            ),
        )
        return _org_payload(result, errors)

    @strawberry.mutation(description="Add a user to your organisation (ORG_ADMIN).")
    async def user_create(self, info: Info, input: UserCreateInput) -> UserPayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: users.create_user(
                s,
                v,
                email=input.email,
                full_name=input.full_name,
                password=input.password,
                roles=[r.value for r in input.roles],
                approval_limit=input.approval_limit,
            ),
        )
        return _user_payload(result, errors)

    @strawberry.mutation(
        description="Administrators change names, roles and approval limits; "
        "users change their own name and password. A new password or a removed role "
        "ends every session of the user (sign in again). No one grants themselves "
        "APPROVER or ORG_ADMIN or raises their own approval limit (SELF_GRANT)."
    )
    async def user_update(self, info: Info, input: UserUpdateInput) -> UserPayload:
        roles = kept(input.roles)
        result, errors = await in_transaction(
            info,
            lambda s, v: users.update_user(
                s,
                v,
                decode_id(input.id, "User"),
                full_name=kept(input.full_name),
                roles=[r.value for r in roles] if isinstance(roles, list) else roles,
                approval_limit=given(input.approval_limit),
                password=kept(input.password),
                current_password=input.current_password,
                expected_version=input.expected_version,
            ),
        )
        return _user_payload(result, errors)

    @strawberry.mutation
    async def user_deactivate(self, info: Info, input: IdInput) -> UserPayload:
        result, errors = await in_transaction(
            info, lambda s, v: users.deactivate_user(s, v, decode_id(input.id, "User"))
        )
        return _user_payload(result, errors)

    @strawberry.mutation(description="Create an API key for an ERP system (ORG_ADMIN).")
    async def api_key_create(self, info: Info, input: ApiKeyCreateInput) -> ApiKeyCreatePayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: api_keys.create_api_key(
                s, v, name=input.name, roles=[r.value for r in input.roles]
            ),
        )
        if result is None:
            return ApiKeyCreatePayload(errors=errors)
        key, secret = result
        return ApiKeyCreatePayload(api_key=ApiKey.from_model(key), secret=secret, errors=[])

    @strawberry.mutation
    async def api_key_revoke(self, info: Info, input: IdInput) -> ApiKeyPayload:
        result, errors = await in_transaction(
            info, lambda s, v: api_keys.revoke_api_key(s, v, decode_id(input.id, "ApiKey"))
        )
        return ApiKeyPayload(api_key=ApiKey.from_model(result) if result else None, errors=errors)

    @strawberry.mutation(description="Platform admins: verify (or reinstate) a supplier.")
    async def supplier_verify(
        self, info: Info, input: SupplierDecisionInput
    ) -> OrganizationPayload:
        return await _decide(info, input, "verify")

    @strawberry.mutation(description="Platform admins: reject a pending supplier (reason).")
    async def supplier_reject(
        self, info: Info, input: SupplierDecisionInput
    ) -> OrganizationPayload:
        return await _decide(info, input, "reject")

    @strawberry.mutation(description="Platform admins: suspend a verified supplier (reason).")
    async def supplier_suspend(
        self, info: Info, input: SupplierDecisionInput
    ) -> OrganizationPayload:
        return await _decide(info, input, "suspend")

    @strawberry.mutation(description="Replace the categories a supplier serves.")
    async def supplier_categories_set(
        self, info: Info, input: SupplierCategoriesSetInput
    ) -> OrganizationPayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: organizations.set_supplier_categories(
                s,
                v,
                decode_id(input.organization_id, "Organization", "organizationId"),
                [decode_id(c, "Category", "categoryIds") for c in input.category_ids],
            ),
        )
        return _org_payload(result, errors)


async def _decide(info: Info, input: SupplierDecisionInput, action: str) -> OrganizationPayload:
    result, errors = await in_transaction(
        info,
        lambda s, v: organizations.decide_verification(
            s, v, decode_id(input.id, "Organization"), action=action, note=input.reason
        ),
    )
    return _org_payload(result, errors)
