from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "busbar.registers"
    label = "registers"
    verbose_name = "Risk and improvement registers"

    def ready(self) -> None:
        from busbar.registers import registrations

        registrations.register_all()
