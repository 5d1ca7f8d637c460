// A JSON Schema written `as const`, as a TypeScript type: the subset of draft-07
// our schemas use (object with properties/required/additionalProperties, array
// with items, string/integer/number/boolean/null, enum, const, anyOf/oneOf).
// Object `properties` win over oneOf/anyOf beside them (there they only
// constrain which fields go together). Pure types; no runtime code.

type Primitive<T> =
  T extends 'string' ? string :
  T extends 'integer' | 'number' ? number :
  T extends 'boolean' ? boolean :
  T extends 'null' ? null :
  T extends 'array' ? unknown[] :
  T extends 'object' ? Record<string, unknown> : unknown;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<S> = S extends { required: readonly (infer R)[] } ? R & string : never;

type ObjectOf<P, S> = Simplify<
  { -readonly [K in keyof P as K extends RequiredKeys<S> ? K : never]: FromSchema<P[K]> } &
  { -readonly [K in keyof P as K extends RequiredKeys<S> ? never : K]?: FromSchema<P[K]> }
>;

export type FromSchema<S> =
  S extends { const: infer C } ? C :
  S extends { enum: readonly (infer E)[] } ? E :
  S extends { properties: infer P } ? ObjectOf<P, S> :
  S extends { anyOf: readonly (infer U)[] } ? FromSchema<U> :
  S extends { oneOf: readonly (infer U)[] } ? FromSchema<U> :
  S extends { type: 'array'; items: infer I } ? FromSchema<I>[] :
  S extends { type: 'object'; additionalProperties: infer A } ? (A extends false ? Record<string, never> : Record<string, FromSchema<A>>) :
  S extends { type: readonly (infer T)[] } ? Primitive<T> :
  S extends { type: infer T } ? Primitive<T> :
  unknown;
