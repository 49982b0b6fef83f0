"""The GraphQL documents the stack's tests send, as the storage module writes them."""

CREATE_NEWS = """mutation Create($input: CreateItemInput!) {
  createNews(input: $input) { id version title ownerId data }
}"""
UPDATE_NEWS = """mutation Update($input: UpdateItemInput!) {
  updateNews(input: $input) { id version title }
}"""
LIST_NEWS = "{ listNews { items { id title } } }"
PUBLISH = """mutation P($change: ChangeInput!) {
  publish(change: $change) { entity op id version item changedBy changedAt }
}"""
ON_NEWS = "subscription { onNewsChanged { entity op id version item changedBy changedAt } }"
ON_ANIMATION = "subscription { onAnimationChanged { entity op id } }"
