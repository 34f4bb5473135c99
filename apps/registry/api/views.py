from rest_framework import generics

from apps.registry import selectors

from .serializers import ModelSerializer, ModelVersionSerializer


class ModelListApi(generics.ListAPIView):
    serializer_class = ModelSerializer

    def get_queryset(self):
        return selectors.model_list()


class ModelVersionListApi(generics.ListAPIView):
    serializer_class = ModelVersionSerializer

    def get_queryset(self):
        model = selectors.model_get(name=self.kwargs["name"])
        return selectors.model_version_list(model=model)
