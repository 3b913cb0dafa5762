from officina.core.errors import ErrorCode, OfficinaError


def test_invalid_input_names_the_field_to_show_it_on():
    error = OfficinaError.invalid_input("Write a title.", field="title")
    assert error.code == ErrorCode.INVALID_INPUT and error.http_status == 400
    assert error.as_dict() == {
        "code": "INVALID_INPUT",
        "message": "Write a title.",
        "field": "title",
    }
