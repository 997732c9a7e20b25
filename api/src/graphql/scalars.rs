use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// A 64-bit integer, sent as a JSON number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int64(pub i64);

/// A 64-bit integer, sent as a JSON number.
#[Scalar(name = "Int64")]
impl ScalarType for Int64 {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(number) => number
                .as_i64()
                .map(Int64)
                .ok_or_else(|| InputValueError::custom("expected a whole number within 64 bits")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}
